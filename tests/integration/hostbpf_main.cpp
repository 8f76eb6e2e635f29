// The hostbpf instantiation of every scenario: the expectations in the
// scenario files, checked against hostbpf.
#include "harness.h"

namespace integration {

INSTANTIATE_TEST_SUITE_P(Hostbpf, Integration, testing::Values(BackendKind::Hostbpf),
                         [](const auto& info) { return std::string(backend_name(info.param)); });

}  // namespace integration
