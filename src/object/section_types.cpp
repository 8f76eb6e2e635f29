// A program's kind from its section name: the program-type records hold
// libbpf's section table (prog_types::match_section); this fills a
// ProgramSpec from the match.
#include "object/object_spec.h"
#include "prog_types/prog_type_ops.h"

namespace hostbpf::object {

bool program_kind_from_section(const std::string& section, ProgramSpec* prog) {
  const auto m = prog_types::match_section(section);
  if (!m) return false;
  prog->prog_type = m->ops->type;
  prog->expected_attach_type = m->def->expected_attach_type;
  prog->sleepable = m->def->sleepable;
  prog->xdp_has_frags = m->def->xdp_frags;
  prog->attach_target = std::string(m->target);
  prog->autoload = !section.starts_with('?');
  return true;
}

}  // namespace hostbpf::object
