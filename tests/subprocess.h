// Running other programs from tests: the `varve` binary and the crash
// writer. Children are started with posix_spawn (fork + exec semantics) and
// inherit no descriptor but the three standard ones.
//
// Not thread-safe: call from the test's main thread.
#ifndef VARVE_TESTS_SUBPROCESS_H_
#define VARVE_TESTS_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace varve::test {

struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal
  int signal = 0;      // the signal that ended it, or 0
  std::string out;     // everything written to standard output
  std::string err;     // everything written to standard error
};

// Runs argv[0] (a path) with the given arguments to completion. With
// `input`, its standard input is a pipe carrying exactly those bytes;
// otherwise /dev/null.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::optional<std::string>& input = std::nullopt);

// "argv[0] argv[1] ..." for failure messages, and the result's outputs.
std::string Describe(const std::vector<std::string>& argv, const ProcessResult& result);

// A child left running, to be killed. Its standard input is /dev/null and
// its outputs go to files. The destructor kills (SIGKILL) and reaps it if
// it is still running.
class Child {
 public:
  // Returns false (with errno set) if the program could not be started.
  bool Start(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path);
  ~Child();

  pid_t pid() const { return pid_; }
  // True while the child has not been reaped; reaps it if it has exited.
  bool Running();
  void Kill(int signal);
  // Waits for the child to end; returns its wait status.
  int Wait();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

}  // namespace varve::test

#endif  // VARVE_TESTS_SUBPROCESS_H_
