"""The language server of `normcheck lsp`."""
