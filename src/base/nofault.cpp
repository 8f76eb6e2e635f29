#include "base/nofault.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

namespace hostbpf::base {

namespace {
// Fallback where process_vm_readv is not permitted (seccomp): the kernel reads
// the source for write() on a pipe and fails with EFAULT instead of faulting.
bool read_via_pipe(void* dst, const void* src, size_t n) {
  struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() {
      if (::pipe2(fds, O_CLOEXEC) != 0) fds[0] = fds[1] = -1;
    }
    ~Pipe() {
      if (fds[0] >= 0) ::close(fds[0]);
      if (fds[1] >= 0) ::close(fds[1]);
    }
  };
  static thread_local Pipe p;
  if (p.fds[0] < 0) return false;
  auto* out = static_cast<unsigned char*>(dst);
  const auto* in = static_cast<const unsigned char*>(src);
  while (n > 0) {
    const size_t chunk = n < 4096 ? n : 4096;  // fits the pipe: write never blocks
    const ssize_t w = ::write(p.fds[1], in, chunk);
    if (w <= 0) return false;
    for (ssize_t got = 0; got < w;) {
      const ssize_t r = ::read(p.fds[0], out + got, static_cast<size_t>(w - got));
      if (r <= 0) return false;
      got += r;
    }
    in += w;
    out += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}
}  // namespace

bool read_nofault(void* dst, const void* src, size_t n) {
  if (n == 0) return true;
  struct iovec local = {dst, n};
  struct iovec remote = {const_cast<void*>(src), n};
  const ssize_t r = ::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0);
  if (r == static_cast<ssize_t>(n)) return true;
  if (r < 0 && (errno == ENOSYS || errno == EPERM)) return read_via_pipe(dst, src, n);
  return false;
}

}  // namespace hostbpf::base
