// varve: one command line for a varve store. `varve --help` lists the
// commands; every command has its own --help.
#include <CLI/CLI.hpp>

#include "tools/cli_util.h"
#include "tools/commands.h"
#include "tools/malloc_tuning.h"

int main(int argc, char** argv) {
  // Before anything else: the restart repeats whatever was done before it.
  varve::tools::RestartWithMallocTunables(argv);
  CLI::App app{"varve: an embedded, append-only time-series store for telemetry"};
  app.require_subcommand(1);
  int exit_code = varve::tools::kExitOk;
  varve::tools::AddIngestCommand(&app, &exit_code);
  varve::tools::AddScanCommand(&app, &exit_code);
  varve::tools::AddWalCommand(&app, &exit_code);
  varve::tools::AddInspectCommand(&app, &exit_code);
  varve::tools::AddVerifyCommand(&app, &exit_code);
  varve::tools::AddQueryCommand(&app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Prints the help asked for (exit 0) or the usage error (exit 1).
    return app.exit(e) == 0 ? varve::tools::kExitOk : varve::tools::kExitFatal;
  }
  return exit_code;
}
