#include "sensor/enrich/user_names.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace yagura {
namespace {

// Group records list their members, so a buffer can need far more than the
// sysconf hint; grow on ERANGE up to a cap rather than fail.
constexpr size_t kMaxBufferBytes = 1 << 20;

template <typename Record, typename Id>
std::string lookup_name(int (*fn)(Id, Record*, char*, size_t, Record**), Id id, char* Record::*name,
                        int size_hint) {
  const long hint = ::sysconf(size_hint);
  std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 1024);
  for (;;) {
    Record record{};
    Record* found = nullptr;
    const int err = fn(id, &record, buffer.data(), buffer.size(), &found);
    if (err == ERANGE && buffer.size() < kMaxBufferBytes) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    // Errors read as "no name" and are cached like it: with the name
    // service down, retrying on every event would stall the pipeline.
    return err == 0 && found != nullptr ? std::string(found->*name) : std::string();
  }
}

}  // namespace

std::string system_user_name(uint32_t uid) {
  return lookup_name<passwd, uid_t>(::getpwuid_r, uid, &passwd::pw_name, _SC_GETPW_R_SIZE_MAX);
}

std::string system_group_name(uint32_t gid) {
  return lookup_name<group, gid_t>(::getgrgid_r, gid, &group::gr_name, _SC_GETGR_R_SIZE_MAX);
}

UserNames::UserNames(Options options) : options_(std::move(options)) {}

std::string UserNames::user(uint32_t uid) { return get(users_, uid, options_.user_lookup); }

std::string UserNames::group(uint32_t gid) { return get(groups_, gid, options_.group_lookup); }

std::string UserNames::get(Cache& cache, uint32_t id,
                           const std::function<std::string(uint32_t)>& lookup) {
  const auto now = options_.clock();
  if (Entry* e = cache.find(id); e && now < e->expires) return e->name;
  std::string name = lookup(id);
  cache.put(id, Entry{name, now + options_.ttl});
  return name;
}

}  // namespace yagura
