// A provider module that registers a struct_ops type in its init
// (opsmod_ops, with a __nullable argument over a struct of its own). Built
// a second time with OPSMOD_INIT_FAILS: it registers, then fails its init.
#include <hostbpf/module.h>

#include <cstdint>

namespace {

struct opsmod_state {
  int64_t v;
};

struct opsmod_ops {
  int32_t (*run)(opsmod_state* st, int32_t x);
  int64_t limit;
};

int32_t stub_run(opsmod_state*, int32_t) { return 0; }
const opsmod_ops kStubs = {stub_run, 0};

int init(hostbpf::ModuleContext* ctx) {
  using namespace hostbpf;
  if (auto r = ctx->define<opsmod_state>("opsmod_state", {{"v", &opsmod_state::v}}); !r) return ctx->fail(r.error());
  StructOps<opsmod_ops> ops("opsmod_ops", &kStubs);
  ops.member("run", &opsmod_ops::run, {"st__nullable", "x"}).member("limit", &opsmod_ops::limit);
  ops.reg = [](opsmod_ops*, StructOpsLink*) { return 0; };
  ops.unreg = [](opsmod_ops*, StructOpsLink*) {};
  if (auto r = ctx->add_struct_ops(ops); !r) return ctx->fail(r.error());
#ifdef OPSMOD_INIT_FAILS
  return ctx->fail(-EIO, "opsmod: failing on purpose after registering opsmod_ops");
#else
  return 0;
#endif
}

}  // namespace

HOSTBPF_MODULE(init, nullptr)
