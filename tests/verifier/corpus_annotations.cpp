// Reading corpus/corpus.h's decl tags back from BTF (see corpus_annotations.h).
#include "corpus_annotations.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#ifndef HOSTBPF_CORPUS_DIR
#error "HOSTBPF_CORPUS_DIR must name the directory of the corpus objects"
#endif

namespace hostbpf::test {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "comment:";

// A tag with a sequence number ("test_expect_msg=12=text") keeps source order.
struct Ordered {
  long seq;
  std::string text;
};

struct Tags {
  bool success = false, failure = false;
  int log_level = 1;
  std::vector<Ordered> msgs, kernel_msgs;
  std::string differs;
};

// "<n>=<text>" -> {n, text}; false when the number is missing.
bool split_ordered(std::string_view v, Ordered* out) {
  const size_t eq = v.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  char* end = nullptr;
  const std::string num(v.substr(0, eq));
  out->seq = std::strtol(num.c_str(), &end, 10);
  if (*end) return false;
  out->text = std::string(v.substr(eq + 1));
  return true;
}

// One "comment:..." tag; false for a tag this reader does not know.
bool apply_tag(std::string_view tag, Tags& t) {
  auto value_of = [&](std::string_view key, std::string_view* v) {
    if (!tag.starts_with(key)) return false;
    *v = tag.substr(key.size());
    return true;
  };
  std::string_view v;
  Ordered o;
  if (tag == "test_expect_success") return t.success = true;
  if (tag == "test_expect_failure") return t.failure = true;
  if (value_of("test_expect_msg=", &v)) {
    if (!split_ordered(v, &o) || o.text.empty()) return false;
    t.msgs.push_back(o);
    return true;
  }
  if (value_of("kernel_expect_msg=", &v)) {
    if (!split_ordered(v, &o) || o.text.empty()) return false;
    t.kernel_msgs.push_back(o);
    return true;
  }
  if (value_of("test_log_level=", &v)) {
    t.log_level = std::atoi(std::string(v).c_str());
    return t.log_level >= 0 && t.log_level <= 2;
  }
  if (value_of("hostbpf_differs=", &v)) {
    t.differs = std::string(v);
    return !t.differs.empty();
  }
  return false;
}

std::vector<std::string> in_order(std::vector<Ordered> v) {
  std::stable_sort(v.begin(), v.end(), [](const Ordered& a, const Ordered& b) { return a.seq < b.seq; });
  std::vector<std::string> out;
  for (auto& o : v) out.push_back(std::move(o.text));
  return out;
}

}  // namespace

std::string CorpusProgram::test_name() const { return object + "__" + name; }

std::vector<CorpusProgram> read_corpus_object(const std::string& path, std::string* error) {
  std::vector<CorpusProgram> out;
  struct btf* btf = btf__parse_elf(path.c_str(), nullptr);
  if (!btf) {
    *error = path + ": no BTF (" + std::strerror(errno) + ")";
    return out;
  }
  // FUNC id -> its tags, in the order the FUNCs appear.
  std::map<uint32_t, Tags> funcs;
  const uint32_t n = btf__type_cnt(btf);
  for (uint32_t id = 1; id < n; id++) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1) continue;
    const struct btf_type* target = btf__type_by_id(btf, t->type);
    if (!target || !btf_is_func(target)) continue;
    std::string_view tag = btf__name_by_offset(btf, t->name_off);
    if (!tag.starts_with(kPrefix)) continue;
    tag.remove_prefix(kPrefix.size());
    if (!apply_tag(tag, funcs[t->type])) {
      *error += path + ": " + btf__name_by_offset(btf, target->name_off) + ": bad tag '" + std::string(tag) + "'\n";
    }
  }
  const std::string stem = fs::path(path).filename().string().substr(0, fs::path(path).filename().string().find('.'));
  for (auto& [id, tags] : funcs) {
    const std::string name = btf__name_by_offset(btf, btf__type_by_id(btf, id)->name_off);
    if (tags.success == tags.failure) {
      *error += path + ": " + name + ": needs exactly one of __success and __failure\n";
      continue;
    }
    CorpusProgram p;
    p.object = stem;
    p.path = path;
    p.name = name;
    p.expect_success = tags.success;
    p.log_level = tags.log_level;
    p.msgs = in_order(std::move(tags.msgs));
    p.kernel_msgs = in_order(std::move(tags.kernel_msgs));
    p.differs = std::move(tags.differs);
    if (!p.kernel_msgs.empty() && p.differs.empty())
      *error += path + ": " + name + ": __kernel_msg needs __hostbpf_differs (use __msg)\n";
    out.push_back(std::move(p));
  }
  btf__free(btf);
  return out;
}

std::vector<CorpusProgram> read_corpus(const std::string& dir, std::vector<std::string>* errors) {
  std::vector<fs::path> objs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().string().ends_with(".bpf.o")) objs.push_back(e.path());
  if (ec) errors->push_back(dir + ": " + ec.message());
  std::sort(objs.begin(), objs.end());
  std::vector<CorpusProgram> out;
  for (const auto& o : objs) {
    std::string err;
    auto progs = read_corpus_object(o.string(), &err);
    if (!err.empty()) errors->push_back(err);
    if (progs.empty()) errors->push_back(o.string() + ": no annotated programs");
    for (auto& p : progs) out.push_back(std::move(p));
  }
  return out;
}

namespace {
struct Loaded {
  std::vector<std::string> errors;
  std::vector<CorpusProgram> progs;
  Loaded() { progs = read_corpus(HOSTBPF_CORPUS_DIR, &errors); }
};
const Loaded& loaded() {
  static const Loaded l;
  return l;
}
}  // namespace

const std::vector<CorpusProgram>& corpus() { return loaded().progs; }
const std::vector<std::string>& corpus_errors() { return loaded().errors; }

int first_missing_msg(const std::string& log, const std::vector<std::string>& msgs) {
  size_t pos = 0;
  for (size_t i = 0; i < msgs.size(); i++) {
    const size_t at = log.find(msgs[i], pos);
    if (at == std::string::npos) return static_cast<int>(i);
    pos = at + msgs[i].size();
  }
  return -1;
}

std::ostream& operator<<(std::ostream& os, const CorpusProgram& p) {
  os << p.object << ".bpf.c:" << p.name << " (" << (p.expect_success ? "__success" : "__failure");
  for (const auto& m : p.msgs) os << " __msg(\"" << m << "\")";
  if (!p.differs.empty()) os << " __hostbpf_differs(\"" << p.differs << "\")";
  return os << ")";
}

}  // namespace hostbpf::test
