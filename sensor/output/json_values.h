// The values the JSON output derives from an event rather than copies:
// the text of keys and modes, the names of enums, which end of a connection
// is the destination, what an open did, which process "parent" is.
//
// Shared by JsonWriter and EventFields (sensor/judge/event_fields.h): a
// policy must see exactly the values the JSON carries, so each rule lives
// here once.
//
//   std::string key;
//   json::append_process_key(key, {4242, 990});              // "4242:990"
//   json::NetEnds ends = json::net_ends(connect);             // source: local, destination: remote
//   const char* action = json::net_action_name(net.action);  // "connect"; nullptr: a newer value
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "common/event.h"

namespace yagura::json {

// "<tgid>:<start_ns>".
void append_process_key(std::string& out, const ProcessKey& key);
// Type and permission bits, 7 octal digits: "0104755".
void append_mode(std::string& out, uint32_t mode);

// The process "parent" describes: the first of the lineage (from the process
// table: the process that started this one, the forking one on fork), else
// the kernel's parent. Invalid when there is none.
ProcessKey parent_key(const Event& event);

// The process's ids are known: not an owner-only event whose process the
// table could not complete (its ids would be zeros, and uid 0 reads as root).
inline bool task_ids_known(const Event& event) {
  return !event.owner_only || event.enrichment.task_completed;
}

// The names below return nullptr for a value this build has no name for;
// the JSON then carries the number.
const char* cred_syscall_name(CredSyscall s);  // never nullptr: "unknown"
const char* net_action_name(NetAction a);
const char* transport_name(const NetEvent& e);
const char* family_name(NetFamily f);
const char* dns_direction_name(DnsDirection d);
const char* file_action_name(FileOp op);
const char* tamper_action_name(TamperOp op);

// What a standard descriptor refers to, from its inode's type: "none"
// (closed), "file", "dir", "pipe" (FIFO, anonymous or named), "socket",
// "char" (a tty, /dev/null), "block", "symlink", "other".
const char* stdio_type(const StdStream& s);
// The names of stdin, stdout, stderr, in StdStreams order.
inline constexpr const char* kStdioNames[] = {"stdin", "stdout", "stderr"};
static_assert(std::size(kStdioNames) == std::tuple_size_v<StdStreams>);

// A connect's "result": established, refused, timed_out, failed.
const char* connect_result(int32_t error);
// A failed connect's "error": the errno name, or the number as text.
std::string connect_error(int32_t error);

// The ends of a connection as "network" writes them. Destination is always
// the receiving (server) side, source the other end; a close is written like
// the connect or accept that opened it. An action newer than this build has
// local and remote instead.
struct NetEnds {
  const SocketEndpoint* source = nullptr;
  const SocketEndpoint* destination = nullptr;
  bool destination_domains = false;  // destination carries the DNS names
  const SocketEndpoint* local = nullptr;
  const SocketEndpoint* remote = nullptr;
};
NetEnds net_ends(const NetEvent& e);  // IP sockets; unix sockets have no ends

// What an open did: "read", "write", "create", "truncate", in that order.
std::vector<std::string> open_access(const FileEvent& e);
// An open with these flags creates a file, so its mode is written.
bool open_creates(uint32_t open_flags);

// A module_load by finit_module: the module came from a file, whose path
// the event has.
inline bool module_load_from_file(const TamperEvent& e) { return e.args[0] != 0; }
// A module_load's "syscall": "finit_module" or "init_module".
const char* module_load_syscall(const TamperEvent& e);
// The process a tamper action acts on has a "target" object.
bool tamper_has_target(TamperOp op);
// The "flags" of mount, umount, unshare and setns, one name per element;
// nullopt for the other actions.
std::optional<std::vector<std::string>> tamper_flags(const TamperEvent& e);

}  // namespace yagura::json
