#include "testing/fault_injection_env.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "env/io_error.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace varve {

// A file or a directory. Files hold bytes, directories hold entries; each
// has a current and a durable version (see the model in the header).
struct FaultInjectionEnv::Inode {
  explicit Inode(bool dir) : is_dir(dir) {}
  const bool is_dir;
  std::string data;
  std::string durable_data;
  std::map<std::string, std::shared_ptr<Inode>> entries;
  std::map<std::string, std::shared_ptr<Inode>> durable_entries;
};

struct FaultInjectionEnv::Parent {
  std::shared_ptr<Inode> dir;
  std::string name;
};

// Every handle records the epoch it was opened in; PowerCut() bumps the
// epoch, which kills them all at once. Fields are guarded by env->mu_.
class FaultInjectionEnv::Writable final : public WritableFile {
 public:
  Writable(FaultInjectionEnv* env, std::shared_ptr<Inode> node,
           std::string path, uint64_t epoch)
      : env(env), node(std::move(node)), path(std::move(path)), epoch(epoch) {
    size = this->node->data.size();
  }
  absl::Status Append(std::string_view data) override {
    return env->Append(*this, data);
  }
  absl::Status Sync() override { return env->Sync(*this); }
  absl::Status Truncate(uint64_t new_size) override {
    return env->Truncate(*this, new_size);
  }
  absl::Status Close() override { return env->Close(*this); }
  uint64_t Size() const override {
    std::lock_guard<std::mutex> lock(env->mu_);
    return size;
  }

  FaultInjectionEnv* const env;
  const std::shared_ptr<Inode> node;
  const std::string path;
  const uint64_t epoch;
  uint64_t size;  // bytes known to be in the file
  bool closed = false;
};

class FaultInjectionEnv::Readable final : public RandomAccessFile {
 public:
  Readable(FaultInjectionEnv* env, std::shared_ptr<Inode> node,
           std::string path, uint64_t epoch)
      : env_(env),
        node_(std::move(node)),
        path_(std::move(path)),
        epoch_(epoch) {}

  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char* scratch) const override {
    std::lock_guard<std::mutex> lock(env_->mu_);
    VARVE_RETURN_IF_ERROR(env_->CheckEpoch(epoch_, "read", path_));
    const std::string& data = node_->data;
    if (offset >= data.size()) return std::string_view(scratch, 0);
    size_t got =
        static_cast<size_t>(std::min<uint64_t>(n, data.size() - offset));
    std::memcpy(scratch, data.data() + offset, got);
    return std::string_view(scratch, got);
  }

  absl::StatusOr<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(env_->mu_);
    VARVE_RETURN_IF_ERROR(env_->CheckEpoch(epoch_, "stat", path_));
    return node_->data.size();
  }

 private:
  FaultInjectionEnv* const env_;
  const std::shared_ptr<Inode> node_;
  const std::string path_;
  const uint64_t epoch_;
};

// Locks are held per file, as flock's are, so a renamed lock file stays
// locked. The shared_ptr keeps the key's address from being reused.
class FaultInjectionEnv::Lock final : public FileLock {
 public:
  Lock(FaultInjectionEnv* env, std::shared_ptr<Inode> node, uint64_t id)
      : env_(env), node_(std::move(node)), id_(id) {}
  ~Lock() override { env_->Unlock(node_.get(), id_); }

 private:
  FaultInjectionEnv* const env_;
  const std::shared_ptr<Inode> node_;
  const uint64_t id_;
};

FaultInjectionEnv::FaultInjectionEnv()
    : root_(std::make_shared<Inode>(/*dir=*/true)) {}

FaultInjectionEnv::~FaultInjectionEnv() = default;

// ---------------------------------------------------------------------------
// Paths

absl::StatusOr<std::vector<std::string>> FaultInjectionEnv::Split(
    std::string_view path, std::string_view op) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(op), ": empty path"));
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(op), " ", ToAbsl(path), ": '..' is not supported"));
    }
    if (!part.empty() && part != ".") parts.emplace_back(part);
    start = end + 1;
  }
  return parts;
}

absl::StatusOr<std::shared_ptr<FaultInjectionEnv::Inode>>
FaultInjectionEnv::Walk(const std::vector<std::string>& parts, size_t count,
                        std::string_view op, std::string_view path) {
  std::shared_ptr<Inode> node = root_;
  for (size_t i = 0; i < count; ++i) {
    if (!node->is_dir) return IoError(op, path, ENOTDIR);
    auto it = node->entries.find(parts[i]);
    if (it == node->entries.end()) return IoError(op, path, ENOENT);
    node = it->second;
  }
  return node;
}

absl::StatusOr<std::shared_ptr<FaultInjectionEnv::Inode>>
FaultInjectionEnv::Lookup(std::string_view path, std::string_view op) {
  VARVE_ASSIGN_OR_RETURN(std::vector<std::string> parts, Split(path, op));
  return Walk(parts, parts.size(), op, path);
}

absl::StatusOr<FaultInjectionEnv::Parent> FaultInjectionEnv::LookupParent(
    std::string_view path, std::string_view op) {
  VARVE_ASSIGN_OR_RETURN(std::vector<std::string> parts, Split(path, op));
  // The root has no parent: it can be neither created nor removed.
  if (parts.empty()) return IoError(op, path, EISDIR);
  VARVE_ASSIGN_OR_RETURN(std::shared_ptr<Inode> dir,
                         Walk(parts, parts.size() - 1, op, path));
  if (!dir->is_dir) return IoError(op, path, ENOTDIR);
  return Parent{std::move(dir), std::move(parts.back())};
}

// ---------------------------------------------------------------------------
// Fault bookkeeping

absl::Status FaultInjectionEnv::CheckEpoch(uint64_t epoch, std::string_view op,
                                           std::string_view path) const {
  if (epoch == epoch_) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(ToAbsl(op), " ", ToAbsl(path),
                                          ": handle invalidated by ",
                                          epoch_killer_));
}

absl::Status FaultInjectionEnv::BeginMutation(std::string_view op,
                                              std::string_view path) {
  if (inactive_) {
    return absl::InternalError(
        absl::StrCat(ToAbsl(op), " ", ToAbsl(path),
                     ": filesystem inactive after a torn write (injected)"));
  }
  ++operations_;
  if (fail_at_operation_.has_value() && operations_ >= *fail_at_operation_) {
    if (fail_once_) fail_at_operation_.reset();
    return absl::InternalError(
        absl::StrCat(ToAbsl(op), " ", ToAbsl(path),
                     ": Input/output error (injected failure of operation ",
                     operations_, ")"));
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::CheckWritable(const Writable& file,
                                              std::string_view op) const {
  VARVE_RETURN_IF_ERROR(CheckEpoch(file.epoch, op, file.path));
  if (file.closed) {
    return absl::FailedPreconditionError(
        absl::StrCat(ToAbsl(op), " ", file.path, ": file is closed"));
  }
  return absl::OkStatus();
}

uint64_t FaultInjectionEnv::UsedBytes() const {
  // Walked on demand: a file reachable under two names (possible after a
  // power cut splits a cross-directory rename) is counted once.
  std::set<const Inode*> files;
  std::function<void(const Inode&)> visit = [&](const Inode& dir) {
    for (const auto& [name, child] : dir.entries) {
      if (child->is_dir) {
        visit(*child);
      } else {
        files.insert(child.get());
      }
    }
  };
  visit(*root_);
  uint64_t total = 0;
  for (const Inode* file : files) total += file->data.size();
  return total;
}

// ---------------------------------------------------------------------------
// Writable handle operations

absl::Status FaultInjectionEnv::Append(Writable& file, std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(CheckWritable(file, "append"));
  VARVE_RETURN_IF_ERROR(BeginMutation("append", file.path));
  const uint64_t wanted = data.size();
  uint64_t allowed = wanted;
  absl::Status result;
  if (space_limit_.has_value()) {
    const uint64_t used = UsedBytes();
    const uint64_t room = used >= *space_limit_ ? 0 : *space_limit_ - used;
    if (room < allowed) {
      allowed = room;
      result = IoError("append", file.path, ENOSPC);
    }
  }
  if (tear_after_.has_value()) {
    if (*tear_after_ < wanted && *tear_after_ <= allowed) {
      // The process dies inside this write: a prefix reaches the file and
      // nothing after it happens.
      allowed = *tear_after_;
      tear_after_.reset();
      inactive_ = true;
      result = absl::InternalError(
          absl::StrCat("append ", file.path, ": write torn after ", allowed,
                       " of ", wanted, " bytes (injected)"));
    } else {
      *tear_after_ -= allowed;
    }
  }
  file.node->data.append(data.data(), static_cast<size_t>(allowed));
  file.size = file.node->data.size();
  bytes_appended_ += allowed;
  return result;
}

absl::Status FaultInjectionEnv::Sync(Writable& file) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(CheckWritable(file, "sync"));
  VARVE_RETURN_IF_ERROR(BeginMutation("sync", file.path));
  if (fail_syncs_) {
    return absl::InternalError(
        absl::StrCat("sync ", file.path, ": fsync failed: Input/output error"));
  }
  file.node->durable_data = file.node->data;
  ++syncs_;
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::Truncate(Writable& file, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(CheckWritable(file, "truncate"));
  VARVE_RETURN_IF_ERROR(BeginMutation("truncate", file.path));
  if (size > file.node->data.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("truncate ", file.path, " to ", size,
                     " bytes: the file has only ", file.node->data.size()));
  }
  file.node->data.resize(static_cast<size_t>(size));
  file.size = size;
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::Close(Writable& file) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(CheckWritable(file, "close"));
  // As with close(2), the handle is gone even if the call reports an error.
  file.closed = true;
  return BeginMutation("close", file.path);
}

void FaultInjectionEnv::Unlock(const Inode* node, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = locks_.find(node);
  // A lock from before a power cut must not release a newer holder's.
  if (it != locks_.end() && it->second == id) locks_.erase(it);
}

// ---------------------------------------------------------------------------
// Env

absl::StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::OpenWritable(
    const std::string& path, bool truncate) {
  const std::string_view op = truncate ? "create" : "open";
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(BeginMutation(op, path));
  VARVE_ASSIGN_OR_RETURN(Parent parent, LookupParent(path, op));
  std::shared_ptr<Inode>& slot = parent.dir->entries[parent.name];
  if (slot == nullptr) {
    slot = std::make_shared<Inode>(/*dir=*/false);
  } else if (slot->is_dir) {
    return IoError(op, path, EISDIR);
  } else if (truncate) {
    slot->data.clear();  // O_TRUNC: an unsynced change like any other
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<Writable>(this, slot, path, epoch_));
}

absl::StatusOr<std::unique_ptr<WritableFile>>
FaultInjectionEnv::NewWritableFile(const std::string& path) {
  return OpenWritable(path, /*truncate=*/true);
}

absl::StatusOr<std::unique_ptr<WritableFile>>
FaultInjectionEnv::NewAppendableFile(const std::string& path) {
  return OpenWritable(path, /*truncate=*/false);
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>>
FaultInjectionEnv::NewRandomAccessFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_ASSIGN_OR_RETURN(std::shared_ptr<Inode> node, Lookup(path, "open"));
  if (node->is_dir) return IoError("open", path, EISDIR);
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<Readable>(this, std::move(node), path, epoch_));
}

bool FaultInjectionEnv::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return Lookup(path, "stat").ok();
}

absl::StatusOr<uint64_t> FaultInjectionEnv::GetFileSize(
    const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_ASSIGN_OR_RETURN(std::shared_ptr<Inode> node, Lookup(path, "stat"));
  if (node->is_dir) return IoError("stat", path, EISDIR);
  return node->data.size();
}

absl::StatusOr<std::vector<std::string>> FaultInjectionEnv::GetChildren(
    const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_ASSIGN_OR_RETURN(std::shared_ptr<Inode> node, Lookup(dir, "list"));
  if (!node->is_dir) return IoError("list", dir, ENOTDIR);
  std::vector<std::string> names;
  names.reserve(node->entries.size());
  for (const auto& [name, child] : node->entries) names.push_back(name);
  return names;
}

absl::Status FaultInjectionEnv::CreateDir(const std::string& dir) {
  constexpr std::string_view kOp = "create directory";
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(BeginMutation(kOp, dir));
  VARVE_ASSIGN_OR_RETURN(std::vector<std::string> parts, Split(dir, kOp));
  if (parts.empty()) return absl::OkStatus();  // the root always exists
  VARVE_ASSIGN_OR_RETURN(Parent parent, LookupParent(dir, kOp));
  std::shared_ptr<Inode>& slot = parent.dir->entries[parent.name];
  if (slot == nullptr) {
    slot = std::make_shared<Inode>(/*dir=*/true);
  } else if (!slot->is_dir) {
    return IoError(kOp, dir, EEXIST);
  }
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(BeginMutation("remove", path));
  VARVE_ASSIGN_OR_RETURN(Parent parent, LookupParent(path, "remove"));
  auto it = parent.dir->entries.find(parent.name);
  if (it == parent.dir->entries.end()) return IoError("remove", path, ENOENT);
  if (it->second->is_dir) return IoError("remove", path, EISDIR);
  parent.dir->entries.erase(it);
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::RenameFile(const std::string& from,
                                           const std::string& to) {
  constexpr std::string_view kOp = "rename";
  const std::string both = absl::StrCat(from, " to ", to);
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(BeginMutation(kOp, both));
  VARVE_ASSIGN_OR_RETURN(Parent source, LookupParent(from, kOp));
  VARVE_ASSIGN_OR_RETURN(Parent target, LookupParent(to, kOp));
  auto it = source.dir->entries.find(source.name);
  if (it == source.dir->entries.end()) return IoError(kOp, both, ENOENT);
  std::shared_ptr<Inode> node = it->second;
  auto existing = target.dir->entries.find(target.name);
  if (existing != target.dir->entries.end()) {
    // Two names of one file: rename(2) does nothing.
    if (existing->second == node) return absl::OkStatus();
    if (node->is_dir && !existing->second->is_dir) {
      return IoError(kOp, both, ENOTDIR);
    }
    if (!node->is_dir && existing->second->is_dir) {
      return IoError(kOp, both, EISDIR);
    }
    if (existing->second->is_dir && !existing->second->entries.empty()) {
      return IoError(kOp, both, ENOTEMPTY);
    }
  }
  if (node->is_dir && source.dir != target.dir) {
    // Each directory's entries become durable on their own in this model,
    // which for a moved directory could leave it with two parents after a
    // power cut; real filesystems rename atomically. Not needed by varve.
    return absl::UnimplementedError(
        absl::StrCat("rename ", both,
                     ": moving a directory to another parent is not modelled"));
  }
  source.dir->entries.erase(it);
  target.dir->entries[target.name] = std::move(node);
  return absl::OkStatus();
}

absl::Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  constexpr std::string_view kOp = "sync directory";
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(BeginMutation(kOp, dir));
  VARVE_ASSIGN_OR_RETURN(std::shared_ptr<Inode> node, Lookup(dir, kOp));
  if (!node->is_dir) return IoError(kOp, dir, ENOTDIR);
  if (fail_syncs_) {
    return absl::InternalError(absl::StrCat(
        "sync directory ", dir, ": fsync failed: Input/output error"));
  }
  node->durable_entries = node->entries;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileLock>> FaultInjectionEnv::LockFile(
    const std::string& path) {
  constexpr std::string_view kOp = "open lock file";
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_RETURN_IF_ERROR(BeginMutation(kOp, path));
  VARVE_ASSIGN_OR_RETURN(Parent parent, LookupParent(path, kOp));
  std::shared_ptr<Inode>& slot = parent.dir->entries[parent.name];
  if (slot == nullptr) {
    slot = std::make_shared<Inode>(/*dir=*/false);
  } else if (slot->is_dir) {
    return IoError(kOp, path, EISDIR);
  }
  if (locks_.count(slot.get()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("store is locked by another process: ", path,
                     " (flock: Resource temporarily unavailable)"));
  }
  const uint64_t id = next_lock_id_++;
  locks_[slot.get()] = id;
  return std::unique_ptr<FileLock>(std::make_unique<Lock>(this, slot, id));
}

// ---------------------------------------------------------------------------
// Crashes, knobs, counters

void FaultInjectionEnv::PowerCut() {
  std::lock_guard<std::mutex> lock(mu_);
  // Directories hold only durable entries; so does every directory reached
  // through them, and every file reached keeps only its synced bytes.
  // Whatever is no longer reachable is freed with its last reference.
  std::function<void(Inode&)> revert = [&](Inode& dir) {
    dir.entries = dir.durable_entries;
    for (auto& [name, child] : dir.entries) {
      if (child->is_dir) {
        revert(*child);
      } else {
        child->data = child->durable_data;
      }
    }
  };
  revert(*root_);
  ++epoch_;
  epoch_killer_ = "power cut";
  locks_.clear();
  inactive_ = false;
}

void FaultInjectionEnv::KillProcess() {
  std::lock_guard<std::mutex> lock(mu_);
  ++epoch_;
  epoch_killer_ = "process kill";
  locks_.clear();
  inactive_ = false;
}

void FaultInjectionEnv::ResetFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  tear_after_.reset();
  inactive_ = false;
  space_limit_.reset();
  fail_syncs_ = false;
  fail_at_operation_.reset();
  fail_once_ = false;
}

void FaultInjectionEnv::TearWritesAfter(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  tear_after_ = bytes;
}

void FaultInjectionEnv::SetSpaceLimit(uint64_t total_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  space_limit_ = total_bytes;
}

void FaultInjectionEnv::ClearSpaceLimit() {
  std::lock_guard<std::mutex> lock(mu_);
  space_limit_.reset();
}

void FaultInjectionEnv::FailSyncs(bool fail) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_syncs_ = fail;
}

void FaultInjectionEnv::FailOperationAfter(uint64_t n, bool once) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_at_operation_ = operations_ + std::max<uint64_t>(n, 1);
  fail_once_ = once;
}

uint64_t FaultInjectionEnv::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

uint64_t FaultInjectionEnv::bytes_appended() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_appended_;
}

uint64_t FaultInjectionEnv::mutating_operations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return operations_;
}

bool FaultInjectionEnv::inactive() const {
  std::lock_guard<std::mutex> lock(mu_);
  return inactive_;
}

absl::StatusOr<std::string> FaultInjectionEnv::Contents(
    const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_ASSIGN_OR_RETURN(std::shared_ptr<Inode> node, Lookup(path, "read"));
  if (node->is_dir) return IoError("read", path, EISDIR);
  return node->data;
}

absl::Status FaultInjectionEnv::SetContents(const std::string& path,
                                            std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  VARVE_ASSIGN_OR_RETURN(Parent parent, LookupParent(path, "write"));
  std::shared_ptr<Inode>& slot = parent.dir->entries[parent.name];
  if (slot == nullptr) {
    slot = std::make_shared<Inode>(/*dir=*/false);
  } else if (slot->is_dir) {
    return IoError("write", path, EISDIR);
  }
  slot->data.assign(data.data(), data.size());
  slot->durable_data = slot->data;
  parent.dir->durable_entries[parent.name] = slot;
  return absl::OkStatus();
}

std::vector<std::string> FaultInjectionEnv::ListAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> paths;
  std::function<void(const Inode&, const std::string&)> visit =
      [&](const Inode& dir, const std::string& prefix) {
        for (const auto& [name, child] : dir.entries) {
          std::string path = prefix + "/" + name;
          if (child->is_dir) {
            paths.push_back(path + "/");
            visit(*child, path);
          } else {
            paths.push_back(path);
          }
        }
      };
  visit(*root_, "");
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace varve
