#include "tests/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace varve::test {
namespace {

std::vector<char*> CArgs(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// Spawn attributes that give the child default signal dispositions: the
// test process ignores SIGPIPE, the programs it runs must not.
struct SpawnAttr {
  SpawnAttr() {
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
  posix_spawnattr_t attr;
};

void FillResult(int status, ProcessResult* result) {
  if (WIFEXITED(status)) {
    result->exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result->signal = WTERMSIG(status);
  }
}

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::optional<std::string>& input) {
  // A child that exits without reading all its input must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  ProcessResult result;
  int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (input.has_value() && pipe2(in_pipe, O_CLOEXEC) != 0)) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (input.has_value()) {
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  SpawnAttr attr;
  pid_t pid;
  std::vector<char*> args = CArgs(argv);
  int spawn_error = posix_spawn(&pid, args[0], &actions, &attr.attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (in_pipe[0] >= 0) close(in_pipe[0]);
  if (spawn_error != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    if (in_pipe[1] >= 0) close(in_pipe[1]);
    result.err = std::string("posix_spawn ") + argv[0] + ": " + std::strerror(spawn_error);
    return result;
  }

  // Feed standard input and drain both outputs at once, so that no pipe
  // fills up and blocks the child.
  size_t written = 0;
  int in_fd = in_pipe[1];
  if (in_fd >= 0 && input->empty()) {
    close(in_fd);
    in_fd = -1;
  }
  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  char buf[65536];
  while (fds[0] >= 0 || fds[1] >= 0 || in_fd >= 0) {
    pollfd polls[3];
    int n = 0;
    for (int i = 0; i < 2; ++i) polls[n++] = {fds[i], POLLIN, 0};
    polls[n++] = {in_fd, POLLOUT, 0};
    if (poll(polls, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || polls[i].revents == 0) continue;
      ssize_t got = read(fds[i], buf, sizeof(buf));
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i]);
        fds[i] = -1;
      }
    }
    if (in_fd >= 0 && polls[2].revents != 0) {
      ssize_t put = write(in_fd, input->data() + written, input->size() - written);
      if (put > 0) written += static_cast<size_t>(put);
      if ((put < 0 && errno != EINTR && errno != EAGAIN) || written == input->size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  FillResult(status, &result);
  return result;
}

std::string Describe(const std::vector<std::string>& argv, const ProcessResult& result) {
  std::string out = "command:";
  for (const std::string& a : argv) out += " " + a;
  out += "\nexit code: " + std::to_string(result.exit_code);
  if (result.signal != 0) out += " (signal " + std::to_string(result.signal) + ")";
  out += "\nstdout:\n" + result.out.substr(0, 4000) + "\nstderr:\n" + result.err.substr(0, 4000);
  return out;
}

bool Child::Start(const std::vector<std::string>& argv, const std::string& stdout_path,
                  const std::string& stderr_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  SpawnAttr attr;
  std::vector<char*> args = CArgs(argv);
  int error = posix_spawn(&pid_, args[0], &actions, &attr.attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    pid_ = -1;
    errno = error;
    return false;
  }
  return true;
}

Child::~Child() {
  if (Running()) {
    Kill(SIGKILL);
    Wait();
  }
}

bool Child::Running() {
  if (pid_ < 0) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

void Child::Kill(int signal) {
  if (pid_ >= 0) ::kill(pid_, signal);
}

int Child::Wait() {
  if (pid_ < 0) return status_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  pid_ = -1;
  return status_;
}

}  // namespace varve::test
