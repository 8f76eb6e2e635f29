// The host's kfunc registration API (Runtime::host()): C++ structs and
// functions become host BTF, kfuncs are registered per program type with
// their flags and addresses, every mistake is a clear error, and the host BTF
// is sealed once something is built on it. Also the host BTF from a pahole blob.
#include <gtest/gtest.h>
#include <gmock/gmock.h>
#include <linux/bpf.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "hostbpf/hostbpf.h"
#include "kfunc/flags.h"
#include "runtime/state.h"

namespace hostbpf {
namespace {

using ::testing::HasSubstr;

struct Session {
  uint64_t id;
  uint32_t bytes[4];
  const char* name;
};

Session* session_acquire(uint64_t id) { return new Session{id, {}, nullptr}; }
void session_release(Session* s) { delete s; }
int session_sum(const Session* s, int scale__k) { return static_cast<int>(s->id) * scale__k; }
struct Unbound {};
int takes_unbound(Unbound* u) { return u != nullptr; }

const kfunc::KfuncRegistry& reg(Runtime& rt) { return detail::Access::state(rt)->kfuncs; }

TEST(HostKfuncs, StructsAndKfuncsBecomeHostBtfWithFlagsAndAddresses) {
  Runtime rt;
  auto& k = rt.host();
  auto st = k.define<Session>("session", {{"id", &Session::id}, {"bytes", &Session::bytes}, {"name", &Session::name}});
  ASSERT_TRUE(st.ok()) << st.error().message();
  auto acq = k.add("session_acquire", &session_acquire, KF_ACQUIRE | KF_RET_NULL, {ProgType::Syscall, ProgType::Tracing},
                   {"id"});
  ASSERT_TRUE(acq.ok()) << acq.error().message();
  auto rel = k.add("session_release", &session_release, KF_RELEASE, {ProgType::Syscall}, {"s"});
  ASSERT_TRUE(rel.ok()) << rel.error().message();
  auto sum = k.add("session_sum", &session_sum, 0, {ProgType::Unspec}, {"s", "scale__k"});
  ASSERT_TRUE(sum.ok()) << sum.error().message();
  EXPECT_FALSE(k.add_dtor<Session>("session_release"));

  const auto* host = &detail::Access::state(rt)->host;
  EXPECT_EQ(reg(rt).find_by_name("session_acquire")->second, *acq);
  EXPECT_EQ(reg(rt).flags_in_hook(host, kfunc::KfuncHook::Syscall, *acq), KF_ACQUIRE | KF_RET_NULL);
  EXPECT_EQ(reg(rt).flags_in_hook(host, kfunc::KfuncHook::Tracing, *acq), KF_ACQUIRE | KF_RET_NULL);
  EXPECT_FALSE(reg(rt).flags_in_hook(host, kfunc::KfuncHook::Tracing, *rel));
  EXPECT_EQ(reg(rt).flags_in_hook(host, kfunc::KfuncHook::Common, *sum), 0u);
  EXPECT_EQ(reg(rt).find_dtor(host, *st), *rel);
  EXPECT_EQ(detail::Access::state(rt)->kfuncs.address(host, *acq), reinterpret_cast<const void*>(&session_acquire));

  auto h = rt.host_btf_dump();
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_THAT(*h, HasSubstr("#ifndef __VMLINUX_H__"));
  EXPECT_THAT(*h, HasSubstr("struct session {\n\tlong unsigned int id;\n\tunsigned int bytes[4];\n\tconst char *name;\n};"));
  EXPECT_THAT(*h, HasSubstr("extern struct session *session_acquire(long unsigned int id) __weak __ksym;"));
  EXPECT_THAT(*h, HasSubstr("extern int session_sum(const struct session *s, int scale__k) __weak __ksym;"));
  // The built-in kfunc library is in every runtime.
  EXPECT_THAT(*h, HasSubstr("extern struct bpf_cpumask *bpf_cpumask_create(void) __weak __ksym;"));
}

// What the host registered is what programs call, with the flags enforced.
TEST(HostKfuncs, ProgramsCallTheHostsKfuncs) {
  Runtime rt;
  auto& k = rt.host();
  ASSERT_TRUE(k.define<Session>("session", {{"id", &Session::id}}).ok());
  ASSERT_TRUE(k.add("session_acquire", &session_acquire, KF_ACQUIRE | KF_RET_NULL, {ProgType::Syscall}, {"id"}).ok());
  ASSERT_TRUE(k.add("session_release", &session_release, KF_RELEASE, {ProgType::Syscall}, {"s"}).ok());
  ASSERT_TRUE(k.add("session_sum", &session_sum, 0, {ProgType::Unspec}, {"s", "scale__k"}).ok());

  const std::string path = std::string(HOSTBPF_TEST_BINARY_DIR) + "/host_kfuncs.bpf.o";
  auto obj = rt.open(path);
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  ASSERT_FALSE(obj->load()) << "load";
  auto r = obj->program("use_session")->test_run({});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->retval, 42u);

  auto leaky = rt.open(path);
  ASSERT_TRUE(leaky.ok());
  for (Program& p : leaky->programs()) ASSERT_FALSE(p.set_autoload(p.name() == "leak_session"));
  Error e = leaky->load();
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.log(), HasSubstr("Unreleased reference id=")) << e.log();
}

struct Node {
  int64_t value;
  Node* next;
  const Node* prev;
};

// A struct that points to itself is described with pointers to itself, not
// to a forward declaration.
TEST(HostKfuncs, SelfReferentialStruct) {
  Runtime rt;
  auto id = rt.host().define<Node>("node", {{"value", &Node::value}, {"next", &Node::next}, {"prev", &Node::prev}});
  ASSERT_TRUE(id.ok()) << id.error().message();
  const btf::Btf& b = *detail::Access::state(rt)->host.btf;
  const struct btf_type* t = b.type(*id);
  ASSERT_EQ(btf_vlen(t), 3);
  const struct btf_type* next = b.type(btf_members(t)[1].type);
  ASSERT_EQ(btf_kind(next), BTF_KIND_PTR);
  EXPECT_EQ(next->type, *id);
  const struct btf_type* prev = b.type(btf_members(t)[2].type);
  ASSERT_EQ(btf_kind(prev), BTF_KIND_PTR);
  EXPECT_EQ(b.type(prev->type)->type, *id);  // const struct node
  auto h = rt.host_btf_dump();
  ASSERT_TRUE(h.ok());
  EXPECT_THAT(*h, HasSubstr("struct node {\n\tlong int value;\n\tstruct node *next;\n\tconst struct node *prev;\n};"));
}

TEST(HostKfuncs, MistakesAreClearErrors) {
  Runtime rt;
  auto& k = rt.host();
  auto unbound = k.add("takes_unbound", &takes_unbound, 0, {ProgType::Syscall});
  ASSERT_FALSE(unbound.ok());
  EXPECT_EQ(unbound.error().code(), -ENOENT);
  EXPECT_THAT(unbound.error().message(),
              HasSubstr("vmlinux: kfunc 'takes_unbound': parameter 1: C++ type 'hostbpf::(anonymous namespace)::Unbound' "
                        "has no BTF type: define<T>() or bind<T>() it first"));

  ASSERT_TRUE(k.define<Session>("session", {{"id", &Session::id}}).ok());
  auto again = k.define<Session>("session2", {{"id", &Session::id}});
  EXPECT_EQ(again.error().code(), -EEXIST);
  struct Other { int x; };
  auto clash = k.define<Other>("xdp_md", {{"x", &Other::x}});
  EXPECT_EQ(clash.error().code(), -EEXIST);
  EXPECT_EQ(clash.error().message(), "vmlinux: struct 'xdp_md' already exists in the BTF; bind<T>() it instead");
  EXPECT_FALSE(k.bind<Other>("xdp_md"));
  EXPECT_EQ(k.bind<Unbound>("no_such_struct").code(), -ENOENT);

  ASSERT_TRUE(k.add("session_release", &session_release, KF_RELEASE, {ProgType::Syscall}).ok());
  auto dup = k.add("session_release", &session_release, KF_RELEASE, {ProgType::Syscall});
  EXPECT_EQ(dup.error().code(), -EEXIST);
  EXPECT_EQ(dup.error().message(), "vmlinux: kfunc 'session_release' is already defined");

  auto names = k.add("session_acquire", &session_acquire, 0, {ProgType::Syscall}, {"a", "b"});
  EXPECT_EQ(names.error().code(), -EINVAL);
  EXPECT_EQ(names.error().message(), "vmlinux: kfunc 'session_acquire': 2 parameter names for 1 parameters");

  auto no_hook = k.add("session_sum", &session_sum, 0, {static_cast<ProgType>(9999)});
  EXPECT_EQ(no_hook.error().code(), -EINVAL);
  EXPECT_EQ(no_hook.error().message(), "vmlinux: kfunc 'session_sum': program type 9999 has no kfunc hook");

  EXPECT_EQ(k.add_dtor<Unbound>("session_release").code(), -ENOENT);
  EXPECT_EQ(k.add_dtor<Session>("no_such_kfunc").code(), -ENOENT);
}

TEST(HostKfuncs, FiltersDenyPerProgram) {
  Runtime rt;
  auto& k = rt.host();
  ASSERT_TRUE(k.define<Session>("session", {{"id", &Session::id}}).ok());
  auto id = k.add("session_release", &session_release, KF_RELEASE, {ProgType::Syscall});
  ASSERT_TRUE(id.ok());
  ASSERT_FALSE(k.add_filter({ProgType::Syscall}, [](const KfuncFilterInfo& p, uint32_t) {
    return p.prog_name == "untrusted" ? -EACCES : 0;
  }));
  kfunc::ProgInfo trusted{ProgType::Syscall, 0, false, "trusted"};
  kfunc::ProgInfo untrusted{ProgType::Syscall, 0, false, "untrusted"};
  EXPECT_TRUE(reg(rt).lookup(&detail::Access::state(rt)->host, *id, trusted));
  EXPECT_FALSE(reg(rt).lookup(&detail::Access::state(rt)->host, *id, untrusted));
}

TEST(HostKfuncs, SealedAfterTheFirstObjectOrModule) {
  Runtime rt;
  ASSERT_TRUE(rt.modules().load(TESTMOD_SO).ok());
  auto late = rt.host().add("session_release", &session_release, KF_RELEASE, {ProgType::Syscall});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), -EBUSY);
  EXPECT_EQ(late.error().message(),
            "vmlinux: kfunc 'session_release': the BTF is sealed (module 'testmod' was loaded); describe types and "
            "kfuncs before that");

  Runtime rt2;
  (void)rt2.open("/nonexistent.bpf.o");
  EXPECT_EQ(rt2.host().define<Session>("session", {{"id", &Session::id}}).error().code(), -EBUSY);
}

// A host that describes its types with pahole from its own DWARF: the blob is
// the start of the host BTF, completed with the standard types; its structs
// are bound to C++ types by name.
TEST(HostKfuncs, HostBtfFromPaholeBlob) {
  const std::string dir = std::filesystem::temp_directory_path() / ("hostbpf_pahole_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/host.c") << "struct host_conn { long id; int port; };\n"
                                    "int host_conn_port(struct host_conn *c) { return c->port; }\n";
  const std::string cmd = "cd " + dir + " && cc -g -c host.c -o host.o && pahole --btf_encode_detached=host.btf host.o";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "pahole or cc unavailable";
  std::ifstream in(dir + "/host.btf", std::ios::binary);
  std::vector<uint8_t> blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  RuntimeOptions opts;
  opts.host_btf_blob = blob;
  Runtime rt(opts);
  ASSERT_FALSE(rt.error()) << rt.error().message();
  struct HostConn { long id; int port; };
  EXPECT_FALSE(rt.host().bind<HostConn>("host_conn"));
  auto port = rt.host().add("conn_port", +[](HostConn* c) { return c->port; }, KF_TRUSTED_ARGS, {ProgType::Syscall});
  ASSERT_TRUE(port.ok()) << port.error().message();
  auto h = rt.host_btf_dump();
  ASSERT_TRUE(h.ok());
  EXPECT_THAT(*h, HasSubstr("struct host_conn {\n\tlong int id;\n\tint port;\n};"));
  EXPECT_THAT(*h, HasSubstr("typedef __u32 u32;"));
  EXPECT_THAT(*h, HasSubstr("extern int conn_port(struct host_conn *) __weak __ksym;"));
  // pahole's FUNC for the C function is not a kfunc: no prototype for it.
  EXPECT_EQ(h->find("host_conn_port("), std::string::npos);

  RuntimeOptions from_file;
  from_file.host_btf_file = dir + "/host.btf";
  Runtime rt_file(from_file);
  ASSERT_FALSE(rt_file.error()) << rt_file.error().message();
  EXPECT_TRUE(rt_file.host().find("host_conn", BTF_KIND_STRUCT).ok());
  EXPECT_TRUE(rt_file.host().find("xdp_md", BTF_KIND_STRUCT).ok());

  RuntimeOptions bad;
  bad.host_btf_file = dir + "/host.c";
  Runtime broken(bad);
  ASSERT_TRUE(broken.error());
  EXPECT_THAT(broken.error().message(), HasSubstr("host BTF " + dir + "/host.c"));
  auto obj = broken.open("/nonexistent.bpf.o");
  ASSERT_FALSE(obj.ok());
  EXPECT_THAT(obj.error().message(), HasSubstr("host BTF " + dir + "/host.c"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hostbpf
