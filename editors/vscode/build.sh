#!/usr/bin/env bash
# Build the VS Code extension: editors/vscode/normlang-VERSION.vsix (needs node and npm).
# The grammar is the one of editors/norm.tmLanguage.json and the licence the repository's,
# copied in first. `npm install` fetches vscode-languageclient and @vscode/vsce (pinned by
# package-lock.json); about 45 s on the project's 2-core machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
cp ../norm.tmLanguage.json syntaxes/norm.tmLanguage.json
cp ../../LICENSE LICENSE
npm install --no-audit --no-fund --loglevel=error
npx --no-install vsce package --no-yarn --out "normlang-$(node -p 'require("./package.json").version').vsix"
