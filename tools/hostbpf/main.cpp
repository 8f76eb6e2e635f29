// hostbpf: load, run and inspect BPF objects with the hostbpf runtime.
// The contract of this command line is in DESIGN.md; it is a thin client of the
// public API (include/hostbpf/hostbpf.h).
#include <CLI/CLI.hpp>

#include "cli.h"

namespace {

constexpr const char* kLoadNote =
    "Every program is verified when it is loaded, with the kernel's rules and messages; "
    "--unsafe-skip-verification (debugging only) loads without the verifier.\n"
    "Programs may call the host's kfuncs (the built-in bpf_cpumask_* library) and those of provider modules "
    "loaded with --module SO; `btf dump host` and `btf dump module SO` with --format c write the header such "
    "programs include instead of vmlinux.h.";

constexpr const char* kModuleHelp =
    "Load this provider module (a shared object with hostbpf_module_init) before the object; repeatable";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hostbpf: an embeddable eBPF runtime.\n" + std::string(kLoadNote)};
  app.require_subcommand(1);
  int rc = 0;

  app.add_flag("--unsafe-skip-verification", hostbpf::cli::g_unsafe_skip_verification,
               "UNSAFE, debugging only: load programs without running the verifier");

  auto* prog = app.add_subcommand("prog", "Run and inspect programs")->require_subcommand(1);
  {
    auto* verify = prog->add_subcommand("verify", "Verify programs; exit 0 when accepted, print the log when not");
    static std::string obj, name;
    static int log_level = 0;
    static std::vector<std::string> modules;
    verify->add_option("OBJ", obj, "BPF object (.bpf.o)")->required();
    verify->add_option("--module", modules, kModuleHelp)->type_name("SO");
    verify->add_option("--prog", name, "Program name (default: every program of the object)");
    verify->add_option("--log-level", log_level, "1: the path to the error; 2: every instruction with its state")
        ->check(CLI::Range(0, 2));
    verify->callback([&] { rc = hostbpf::cli::prog_verify(obj, name, log_level, modules); });
  }
  {
    auto* run = prog->add_subcommand("run", "Run a program like BPF_PROG_TEST_RUN");
    static std::string obj, name, ctx_hex, ctx_file, data_hex;
    static uint32_t repeat = 1;
    static bool json = false, interp = false;
    static std::vector<std::string> modules;
    run->add_option("OBJ", obj, "BPF object (.bpf.o)")->required();
    run->add_option("--module", modules, kModuleHelp)->type_name("SO");
    run->add_option("--prog", name, "Program name (default: the object's only program)");
    auto* ch = run->add_option("--ctx-hex", ctx_hex, "Context bytes in hex");
    run->add_option("--ctx-file", ctx_file, "Context bytes from a file")->excludes(ch);
    run->add_option("--data-hex", data_hex, "Packet bytes in hex (xdp)");
    run->add_option("--repeat", repeat, "Run N times; duration is the mean")->check(CLI::Range(1u, 100000000u));
    run->add_flag("--interp", interp, "Use the interpreter (the only engine in this build)");
    run->add_flag("--json", json, "Print {\"prog\",\"retval\",\"duration_ns\",\"repeat\"}");
    run->callback([&] { rc = hostbpf::cli::prog_run(obj, name, ctx_hex, ctx_file, data_hex, repeat, json, modules); });
  }
  {
    auto* dump = prog->add_subcommand("dump", "Print a program's instructions in the kernel's syntax");
    static std::string obj, name;
    static bool xlated = false;
    dump->add_option("OBJ", obj, "BPF object (.bpf.o)")->required();
    dump->add_option("--prog", name, "Program name (default: every program)");
    dump->add_flag("--xlated", xlated, "Instructions after load-time fixups (the default)");
    dump->callback([&] { rc = hostbpf::cli::prog_dump(obj, name); });
  }

  auto* map = app.add_subcommand("map", "Inspect maps")->require_subcommand(1);
  {
    auto* dump = map->add_subcommand("dump", "Print every element of a map after loading the object");
    static std::string obj, name, after, ctx_hex, data_hex;
    static uint32_t repeat = 1;
    dump->add_option("OBJ", obj, "BPF object (.bpf.o)")->required();
    dump->add_option("MAP", name, "Map name (global data: .data, .rodata, .bss)")->required();
    dump->add_option("--after", after, "First run this program (with --ctx-hex/--data-hex/--repeat)");
    dump->add_option("--ctx-hex", ctx_hex, "Context bytes in hex for --after");
    dump->add_option("--data-hex", data_hex, "Packet bytes in hex for --after");
    dump->add_option("--repeat", repeat, "Run --after N times")->check(CLI::Range(1u, 100000000u));
    dump->callback([&] { rc = hostbpf::cli::map_dump(obj, name, after, ctx_hex, data_hex, repeat); });
  }

  auto* btf = app.add_subcommand("btf", "Dump BTF")->require_subcommand(1);
  {
    auto* dump = btf->add_subcommand("dump", "Dump type information (format c: a header to include instead of vmlinux.h)");
    dump->require_subcommand(1);
    static std::string obj, so, format = "raw";
    auto* file = dump->add_subcommand("file", "The BTF of a BPF object");
    file->add_option("OBJ", obj, "BPF object (.bpf.o)")->required();
    auto* host = dump->add_subcommand("host", "The host BTF: the standard vmlinux.h types and the built-in kfuncs "
                                              "(bpf_cpumask_*) with their prototypes");
    auto* mod = dump->add_subcommand("module", "A module's split BTF; format c also holds the host's types, so it "
                                               "stands alone");
    mod->add_option("SO", so, "Module shared object")->required();
    for (auto* sub : {dump, file, host, mod})
      sub->add_option("--format", format, "c or raw (default raw)")->check(CLI::IsMember({"c", "raw"}));
    file->callback([&] { rc = hostbpf::cli::btf_dump_file(obj, format); });
    host->callback([&] { rc = hostbpf::cli::btf_dump_host(format); });
    mod->callback([&] { rc = hostbpf::cli::btf_dump_module(so, format); });
  }

  {
    auto* conf = app.add_subcommand("conformance",
                                    "bpf_conformance plugin: program as hex on stdin, prints r0 in hex");
    static std::string mem;
    conf->add_option("MEM", mem, "Memory bytes in hex (each followed by two spaces)");
    conf->allow_extras();  // the suite passes plugin options through
    conf->callback([&] { rc = hostbpf::cli::conformance(mem); });
  }

  CLI11_PARSE(app, argc, argv);
  return rc;
}
