// The normlang extension: the grammar colours .norm files; this client starts `normcheck lsp`
// (normlang's language server, over stdio) for diagnostics, hover, navigation and the rest.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const settings = vscode.workspace.getConfiguration("normlang.server");
  const [command, ...args] = settings.get("command", ["normcheck", "lsp"]);
  return { command, args, transport: TransportKind.stdio };
}

function activate(context) {
  const settings = vscode.workspace.getConfiguration("normlang.server");
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "norm" }, { scheme: "untitled", language: "norm" }],
    initializationOptions: { debounce: settings.get("debounce", 0.4) },
    // a .norm file changed on disk (a checkout, another editor): the open files that import it
    // are read again
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.norm") },
  };
  client = new LanguageClient("normlang", "normlang", serverOptions(), clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("normlang.server")) {
        // the command and the pause are read when the server starts: start it again
        activateAgain(context);
      }
    }),
  );
  return client.start().catch((problem) => {
    vscode.window.showErrorMessage(
      `normlang: cannot start the language server (${problem.message}). ` +
        "Install it with: pip install 'normlang[lsp]', or set normlang.server.command.",
    );
  });
}

async function activateAgain(context) {
  if (client) {
    await client.stop();
  }
  activate(context);
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
