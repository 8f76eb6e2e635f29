#include "btf/btf.h"
#include "btf/query.h"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <iterator>
#include <memory>
#include <new>

#include "base/file.h"
#include "base/strprintf.h"
#include "btf/validate.h"

namespace hostbpf::btf {

namespace {

Error libbpf_error(int err, std::string_view what) {
  if (err > 0) err = -err;
  if (err == 0) err = -EINVAL;
  return Error(err, fmt::format("{}: {}", what, std::strerror(-err)));
}

struct btf* mutable_base(const std::shared_ptr<const Btf>& base) {
  // libbpf's split constructors take a non-const base but only read it.
  return base ? const_cast<struct btf*>(base->raw()) : nullptr;
}

// libbpf 1.1 (Debian 12) exports no btf__new_split; it can parse split BTF
// only from a file, so the blob goes through an anonymous in-memory file.
struct btf* new_split_from_memory(std::span<const uint8_t> bytes, struct btf* base) {
  const int fd = memfd_create("hostbpf-split-btf", MFD_CLOEXEC);
  if (fd < 0) return nullptr;
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      const int err = errno;
      close(fd);
      errno = err;
      return nullptr;
    }
    done += static_cast<size_t>(n);
  }
  const std::string path = fmt::format("/proc/self/fd/{}", fd);
  struct btf* b = btf__parse_raw_split(path.c_str(), base);
  const int err = errno;
  close(fd);
  errno = err;
  return b;
}

// The .BTF section of an ELF file (a BPF object, a host binary), or the
// bytes themselves when they are not ELF (raw BTF, as pahole detaches it).
Result<std::span<const uint8_t>> btf_section_or_raw(std::span<const uint8_t> file) {
  if (file.size() < SELFMAG || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0) return file;
  if (elf_version(EV_CURRENT) == EV_NONE) return Error(-EINVAL, "libelf is unusable");
  // elf_memory takes a non-const image but only reads it (ELF_C_READ).
  std::unique_ptr<Elf, int (*)(Elf*)> elf(
      elf_memory(reinterpret_cast<char*>(const_cast<uint8_t*>(file.data())), file.size()), elf_end);
  size_t shstrndx = 0;
  if (!elf || elf_getshdrstrndx(elf.get(), &shstrndx) != 0)
    return Error(-EINVAL, fmt::format("not a readable ELF file: {}", elf_errmsg(-1)));
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) break;
    const char* name = elf_strptr(elf.get(), shstrndx, sh.sh_name);
    if (!name || std::strcmp(name, ".BTF") != 0) continue;
    const Elf_Data* d = sh.sh_type == SHT_NOBITS ? nullptr : elf_rawdata(scn, nullptr);
    if (!d || !d->d_buf || d->d_size == 0) return Error(-EINVAL, "section '.BTF' is empty or outside the file");
    // libelf's raw data of an in-memory image points into that image.
    return std::span<const uint8_t>(static_cast<const uint8_t*>(d->d_buf), d->d_size);
  }
  return Error(-ENOENT, "the ELF file has no .BTF section");
}

}  // namespace

Result<std::shared_ptr<Btf>> Btf::from_blob(std::span<const uint8_t> bytes, std::shared_ptr<const Btf> base) {
  if (bytes.empty() || bytes.size() > UINT32_MAX) return Error(-EINVAL, "BTF blob: empty or too large");
  errno = 0;
  struct btf* b = base ? new_split_from_memory(bytes, mutable_base(base))
                       : btf__new(bytes.data(), static_cast<uint32_t>(bytes.size()));
  if (!b) return libbpf_error(errno, "BTF blob is malformed");
  auto out = std::shared_ptr<Btf>(new Btf(b, std::move(base)));
  if (Error e = out->validate()) return e;
  return out;
}

Error Btf::validate() const { return validate_types(btf_, start_id()); }

Result<std::shared_ptr<Btf>> Btf::from_file(const std::string& path, std::shared_ptr<const Btf> base) {
  // Read here rather than by libbpf's btf__parse, so that the bytes reach
  // libbpf only through from_blob, after the same checks as every other BTF.
  auto file = base::read_file(path, "cannot read BTF");
  if (!file.ok()) return std::move(file).error();
  auto blob = btf_section_or_raw(*file);
  if (!blob.ok()) return Error(blob.error()).context(fmt::format("{}: cannot read BTF", path));
  auto out = from_blob(*blob, std::move(base));
  if (!out.ok()) return Error(out.error()).context(path);
  return out;
}

std::shared_ptr<Btf> Btf::empty(std::shared_ptr<const Btf> base) {
  struct btf* b = base ? btf__new_empty_split(mutable_base(base)) : btf__new_empty();
  if (!b) throw std::bad_alloc();  // libbpf fails here only on allocation failure
  return std::shared_ptr<Btf>(new Btf(b, std::move(base)));
}

Btf::~Btf() { btf__free(btf_); }

Error Btf::truncate(uint32_t end_id) {
  if (end_id >= this->end_id()) return {};
  if (end_id < start_id())
    return Error(-EINVAL, fmt::format("BTF: cannot truncate to [{}], below its first own type [{}]", end_id,
                                      start_id()));
  struct btf* fresh = base_ ? btf__new_empty_split(mutable_base(base_)) : btf__new_empty();
  if (!fresh) throw std::bad_alloc();
  for (uint32_t id = start_id(); id < end_id; id++) {
    const int err = btf__add_type(fresh, btf_, btf__type_by_id(btf_, id));
    if (err < 0) {
      btf__free(fresh);
      return Error(err, fmt::format("BTF: copying type [{}] while truncating failed", id));
    }
  }
  btf__free(btf_);
  btf_ = fresh;
  return {};
}

uint32_t Btf::start_id() const { return base_ ? base_->end_id() : 1; }

const struct btf_type* Btf::type(uint32_t id) const {
  if (id >= end_id()) return nullptr;
  return btf__type_by_id(btf_, id);
}

std::string_view Btf::name(uint32_t id) const {
  const struct btf_type* t = type(id);
  if (!t || id == 0) return {};
  const char* n = btf__name_by_offset(btf_, t->name_off);
  return n ? n : "";
}

Result<uint32_t> Btf::find(std::string_view name, uint32_t kind) const {
  const std::string n(name);
  const int id = btf__find_by_name_kind(btf_, n.c_str(), kind);
  if (id < 0) return Error(-ENOENT, fmt::format("BTF has no {} '{}'", kind_name(kind), name));
  return static_cast<uint32_t>(id);
}

Result<uint32_t> Btf::find_own(std::string_view name, uint32_t kind) const {
  for (uint32_t id = start_id(); id < end_id(); id++) {
    const struct btf_type* t = type(id);
    if (btf_kind(t) == kind && this->name(id) == name) return id;
  }
  return Error(-ENOENT, fmt::format("BTF has no own {} '{}'", kind_name(kind), name));
}

uint32_t Btf::skip_modifiers_and_typedefs(uint32_t id) const {
  btf::skip_mods_and_typedefs(btf_, id, &id);  // a malformed chain leaves `id` as it was
  return id;
}

std::vector<uint8_t> Btf::raw_data() const {
  uint32_t size = 0;
  const void* data = btf__raw_data(btf_, &size);
  if (!data) return {};
  const auto* p = static_cast<const uint8_t*>(data);
  return {p, p + size};
}

namespace {
void append_printf(void* ctx, const char* fmt, va_list args) {
  *static_cast<std::string*>(ctx) += base::vstrprintf(fmt, args);
}
}  // namespace

namespace {
// `extern <ret> name(<params>) __weak __ksym;` for each FUNC of `funcs`.
Error dump_ksym_prototypes(const Btf& btf, std::span<const uint32_t> funcs, std::string* out) {
  // Its own dumper, writing into `out` between the literal parts below.
  std::unique_ptr<struct btf_dump, void (*)(struct btf_dump*)> d(
      btf_dump__new(const_cast<struct btf*>(btf.raw()), append_printf, out, nullptr), btf_dump__free);
  if (!d) return libbpf_error(errno, "cannot dump BTF as C");
  *out += "#ifndef BPF_NO_KFUNC_PROTOTYPES\n#ifndef __ksym\n#define __ksym __attribute__((section(\".ksyms\")))\n"
          "#endif\n\n#ifndef __weak\n#define __weak __attribute__((weak))\n#endif\n\n";
  for (uint32_t id : funcs) {
    const struct btf_type* t = btf.type(id);
    if (!t || !btf_is_func(t)) return Error(-EINVAL, fmt::format("BTF type [{}] is not a FUNC", id));
    const std::string name(btf.name(id));
    // libbpf writes a prototype without parameters as "f()"; C wants
    // "f(void)", so that one is written as the return type of "f(void)".
    const struct btf_type* proto = btf.type(t->type);
    const bool no_params = btf_vlen(proto) == 0;
    const std::string decl = no_params ? name + "(void)" : name;
    LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = decl.c_str());
    *out += "extern ";
    if (int err = btf_dump__emit_type_decl(d.get(), no_params ? proto->type : t->type, &opts))
      return libbpf_error(err, fmt::format("cannot write the prototype of kfunc {}", name));
    *out += " __weak __ksym;\n";
  }
  *out += "\n#endif\n\n";
  return {};
}
}  // namespace

Result<std::string> Btf::dump_c(const std::string& guard, std::span<const uint32_t> ksym_funcs) const {
  std::string out = fmt::format("#ifndef {0}\n#define {0}\n\n", guard);
  // As bpftool: CO-RE relocations on every struct/union access by default.
  out += "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
         "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
         "#endif\n\n";
  std::string body;
  std::unique_ptr<struct btf_dump, void (*)(struct btf_dump*)> d(btf_dump__new(btf_, append_printf, &body, nullptr),
                                                                 btf_dump__free);
  if (!d) return libbpf_error(errno, "cannot dump BTF as C");
  // From id 1 even for split BTF, so that a module's header stands alone
  // (its user includes it instead of the host's, as with a module's vmlinux.h).
  for (uint32_t id = 1; id < end_id(); id++) {
    if (int err = btf_dump__dump_type(d.get(), id))
      return libbpf_error(err, fmt::format("cannot dump BTF type [{}] as C", id));
  }
  out += body;
  out += "\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n";
  if (!ksym_funcs.empty()) {
    if (Error e = dump_ksym_prototypes(*this, ksym_funcs, &out)) return e;
  }
  out += fmt::format("#endif /* {} */\n", guard);
  return out;
}

const char* kind_name(uint32_t kind) {
  static const char* const names[] = {"UNKNOWN", "INT",      "PTR",      "ARRAY",   "STRUCT",   "UNION",
                                      "ENUM",    "FWD",      "TYPEDEF",  "VOLATILE", "CONST",   "RESTRICT",
                                      "FUNC",    "FUNC_PROTO", "VAR",    "DATASEC", "FLOAT",    "DECL_TAG",
                                      "TYPE_TAG", "ENUM64"};
  return kind < std::size(names) ? names[kind] : "UNKNOWN";
}

}  // namespace hostbpf::btf
