// The `varve` subcommands. Each Add*Command registers a subcommand on the
// app; when it runs it stores its exit code in *exit_code.
#ifndef VARVE_TOOLS_COMMANDS_H_
#define VARVE_TOOLS_COMMANDS_H_

namespace CLI {
class App;
}

namespace varve::tools {

void AddIngestCommand(CLI::App* app, int* exit_code);
void AddScanCommand(CLI::App* app, int* exit_code);
void AddWalCommand(CLI::App* app, int* exit_code);
void AddInspectCommand(CLI::App* app, int* exit_code);
void AddVerifyCommand(CLI::App* app, int* exit_code);
void AddQueryCommand(CLI::App* app, int* exit_code);

}  // namespace varve::tools

#endif  // VARVE_TOOLS_COMMANDS_H_
