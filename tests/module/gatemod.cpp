// A module for lifecycle tests, steered by the environment:
//   HOSTBPF_GATEMOD_GATE=<fifo>  after publishing its BTF and kfunc sets, init
//                                blocks reading one byte from the FIFO (the
//                                test opens the gate by writing it), so the
//                                module stays COMING as long as the test wants;
//   HOSTBPF_GATEMOD_FAIL=1       init publishes, then fails with -EPERM.
// It also checks the context's rules from the module's side: after publish()
// describing is -EBUSY and a second set for a registered hook is -EINVAL (the
// kernel's rule that a module registers each hook once); init fails with a
// message if the runtime does not refuse them.
#include <fcntl.h>
#include <hostbpf/module.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace {

int64_t gatemod_answer() { return 42; }

int wait_for_gate(const char* path) {
  const int fd = ::open(path, O_RDONLY);  // blocks until the test opens it for writing
  if (fd < 0) return -errno;
  char c;
  const ssize_t n = ::read(fd, &c, 1);
  ::close(fd);
  return n == 1 ? 0 : -EIO;
}

int init(hostbpf::ModuleContext* ctx) {
  using namespace hostbpf;
  if (auto r = ctx->add("gatemod_answer", &gatemod_answer, 0, {ProgType::Syscall}); !r) return ctx->fail(r.error());
  if (Error e = ctx->publish()) return ctx->fail(e);
  auto late = ctx->add("gatemod_late", &gatemod_answer, 0, {ProgType::Syscall});
  if (late.ok() || late.error().code() != -EBUSY)
    return ctx->fail(-EPROTO, "gatemod: describing after publish() was not refused with -EBUSY");
  if (ctx->register_set(ProgType::Syscall, {}).code() != -EINVAL)
    return ctx->fail(-EPROTO, "gatemod: a second kfunc set for the syscall hook was not refused with -EINVAL");
  if (const char* gate = std::getenv("HOSTBPF_GATEMOD_GATE"))
    if (int err = wait_for_gate(gate)) return ctx->fail(err, "gatemod: cannot wait on the gate");
  if (const char* fail = std::getenv("HOSTBPF_GATEMOD_FAIL"); fail && *fail == '1')
    return ctx->fail(-EPERM, "gatemod: failing on request");
  return 0;
}

}  // namespace

HOSTBPF_MODULE(init, nullptr)
