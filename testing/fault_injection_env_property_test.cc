// Properties of the power-cut model, checked against small independent
// models of what POSIX promises.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "testing/fault_injection_env.h"
#include "varve/env.h"

namespace varve {
namespace {

// Random appends, syncs, truncations and failing syncs on one file, with
// power cuts in between; after each cut the file holds exactly what it held
// at its last successful sync.
RC_GTEST_PROP(FaultInjectionEnvProperty,
              PowerCutKeepsExactlyTheLastSyncedContents, ()) {
  enum Kind { kAppend, kSync, kTruncate, kToggleSyncFailure, kPowerCut };
  const auto ops =
      *rc::gen::container<std::vector<std::tuple<int, std::string, unsigned>>>(
          rc::gen::tuple(rc::gen::inRange(0, 5), rc::gen::string<std::string>(),
                         rc::gen::arbitrary<unsigned>()));

  FaultInjectionEnv env;
  RC_ASSERT(env.CreateDir("/d").ok());
  RC_ASSERT(env.SyncDir("/").ok());
  auto created = env.NewWritableFile("/d/f");
  RC_ASSERT(created.ok());
  std::unique_ptr<WritableFile> file = std::move(*created);
  RC_ASSERT(env.SyncDir("/d").ok());

  std::string current;
  std::string durable;
  bool syncs_fail = false;
  for (const auto& [kind, data, number] : ops) {
    switch (kind) {
      case kAppend:
        RC_ASSERT(file->Append(data).ok());
        current += data;
        break;
      case kSync:
        RC_ASSERT(file->Sync().ok() == !syncs_fail);
        if (!syncs_fail) durable = current;
        break;
      case kTruncate: {
        const uint64_t size = number % (current.size() + 1);
        RC_ASSERT(file->Truncate(size).ok());
        current.resize(size);
        break;
      }
      case kToggleSyncFailure:
        syncs_fail = !syncs_fail;
        env.FailSyncs(syncs_fail);
        break;
      case kPowerCut: {
        env.PowerCut();
        current = durable;
        auto reopened = env.NewAppendableFile("/d/f");
        RC_ASSERT(reopened.ok());
        file = std::move(*reopened);
        break;
      }
    }
    RC_ASSERT(file->Size() == current.size());
    RC_ASSERT(*env.Contents("/d/f") == current);
  }
  env.PowerCut();
  RC_ASSERT(*env.Contents("/d/f") == durable);
}

// Random creations, renames, removals and directory syncs among a few names
// in one directory. The model tracks which file (inode) each name refers to
// now and as of the last directory sync; every file's bytes are synced when
// written. After a power cut the directory lists exactly the durable names,
// each with its file's bytes.
RC_GTEST_PROP(FaultInjectionEnvProperty,
              PowerCutKeepsExactlyTheLastSyncedNamespace, ()) {
  enum Kind { kCreate, kRename, kRemove, kSyncDir, kPowerCut };
  const std::vector<std::string> names = {"a", "b", "c"};
  const auto ops = *rc::gen::container<std::vector<std::tuple<int, int, int>>>(
      rc::gen::tuple(rc::gen::inRange(0, 5), rc::gen::inRange(0, 3),
                     rc::gen::inRange(0, 3)));

  FaultInjectionEnv env;
  RC_ASSERT(env.CreateDir("/d").ok());
  RC_ASSERT(env.SyncDir("/").ok());

  int next_inode = 0;
  std::map<int, std::string> bytes;  // inode -> synced bytes
  std::map<std::string, int> current;
  std::map<std::string, int> durable;
  auto check = [&](const std::map<std::string, int>& expected) {
    auto children = env.GetChildren("/d");
    RC_ASSERT(children.ok());
    RC_ASSERT(children->size() == expected.size());
    for (const auto& [name, inode] : expected) {
      auto contents = env.Contents("/d/" + name);
      RC_ASSERT(contents.ok());
      RC_ASSERT(*contents == bytes[inode]);
    }
  };
  for (const auto& [kind, x, y] : ops) {
    const std::string& from = names[x];
    const std::string& to = names[y];
    switch (kind) {
      case kCreate: {
        // Re-creating an existing name truncates and rewrites its file.
        auto file = env.NewWritableFile("/d/" + from);
        RC_ASSERT(file.ok());
        const std::string data = "v" + std::to_string(next_inode);
        RC_ASSERT((*file)->Append(data).ok());
        RC_ASSERT((*file)->Sync().ok());
        auto it = current.find(from);
        const int inode = it != current.end() ? it->second : next_inode;
        ++next_inode;
        current[from] = inode;
        bytes[inode] = data;
        break;
      }
      case kRename: {
        absl::Status status = env.RenameFile("/d/" + from, "/d/" + to);
        RC_ASSERT(status.ok() == (current.count(from) != 0));
        if (status.ok() && from != to) {
          current[to] = current[from];
          current.erase(from);
        }
        break;
      }
      case kRemove: {
        absl::Status status = env.RemoveFile("/d/" + from);
        RC_ASSERT(status.ok() == (current.erase(from) == 1));
        break;
      }
      case kSyncDir:
        RC_ASSERT(env.SyncDir("/d").ok());
        durable = current;
        break;
      case kPowerCut:
        env.PowerCut();
        current = durable;
        break;
    }
    check(current);
  }
  env.PowerCut();
  check(durable);
}

}  // namespace
}  // namespace varve
