#include "base/file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hostbpf::base {
namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// "PATH: [what: ]reason"
Error file_error(int code, const std::string& path, std::string_view what, std::string_view reason) {
  return Error(code, fmt::format("{}: {}{}{}", path, what, what.empty() ? "" : ": ", reason));
}

Error errno_error(int err, const std::string& path, std::string_view what, const char* doing) {
  return file_error(-err, path, what, fmt::format("{}: {}", doing, std::strerror(err)));
}

}  // namespace

Result<std::vector<uint8_t>> read_file(const std::string& path, std::string_view what) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return errno_error(errno, path, what, "cannot open");
  struct stat st;
  if (::fstat(f.fd, &st) != 0) return errno_error(errno, path, what, "cannot read");
  if (S_ISDIR(st.st_mode)) return file_error(-EISDIR, path, what, "is a directory");
  const auto too_large = [&] { return file_error(-EFBIG, path, what, "larger than 256 MiB"); };
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > kMaxFileSize) return too_large();
  std::vector<uint8_t> out;
  // Regular files say how large they are; pipes and devices (--ctx-file
  // <(...)) are read until end of file.
  if (S_ISREG(st.st_mode) && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  uint8_t buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, path, what, "cannot read");
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > kMaxFileSize) return too_large();
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

}  // namespace hostbpf::base
