#include "common/event.h"

namespace yagura {

std::string ExecEvent::script_path() const {
  if (!is_script) return {};
  const std::string& f = filename.value;
  if (f.empty() || f.front() == '/' || cwd.value.empty()) return f;
  std::string joined = cwd.value;
  if (joined.back() != '/') joined += '/';
  // execve("./x") and execve("x") name the same file.
  joined += f.starts_with("./") ? f.substr(2) : f;
  return joined;
}

const TaskInfo& Event::task() const {
  return std::visit(
      [](const auto& e) -> const TaskInfo& {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ForkEvent>) {
          return e.child;
        } else {
          return e.task;
        }
      },
      body);
}

const char* event_type_name(const EventBody& body) {
  static constexpr const char* kNames[] = {"exec", "fork", "exit", "cred"};
  static_assert(std::variant_size_v<EventBody> == std::size(kNames));
  return kNames[body.index()];
}

}  // namespace yagura
