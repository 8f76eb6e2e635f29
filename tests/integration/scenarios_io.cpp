// Scenarios: XDP packets in and out, tail calls through a prog array, and ring
// buffer records consumed by the host.
#include <string>
#include <vector>

#include "harness.h"

namespace integration {
namespace {

constexpr int kEINVAL = -22, kEAGAIN = -11;
enum Verdict : uint32_t { kAborted = 0, kDrop = 1, kPass = 2, kTx = 3 };

const uint8_t kMacA[6] = {0x02, 0, 0, 0, 0, 0x01};
const uint8_t kMacB[6] = {0x02, 0, 0, 0, 0, 0x02};

void put16(Bytes& b, size_t off, uint16_t v) {
  b[off] = v >> 8;
  b[off + 1] = v & 0xff;
}

/// Ethernet (A <- B) / IPv4 10.0.0.2 -> 10.0.0.1 with `ihl` words / UDP sport -> dport / payload.
Bytes udp_packet(uint16_t sport, uint16_t dport, uint8_t ihl = 5, const std::string& payload = "ping",
                 uint16_t ethertype = 0x0800) {
  const size_t ip_len = ihl * 4, udp_len = 8 + payload.size();
  Bytes p(14 + ip_len + udp_len, 0);
  std::copy(kMacA, kMacA + 6, p.begin());
  std::copy(kMacB, kMacB + 6, p.begin() + 6);
  put16(p, 12, ethertype);
  uint8_t* ip = &p[14];
  ip[0] = 0x40 | (ihl & 0xf);
  put16(p, 16, static_cast<uint16_t>(ip_len + udp_len));
  ip[8] = 64;  // ttl
  ip[9] = 17;  // UDP
  const uint8_t src[4] = {10, 0, 0, 2}, dst[4] = {10, 0, 0, 1};
  std::copy(src, src + 4, ip + 12);
  std::copy(dst, dst + 4, ip + 16);
  for (size_t i = 20; i < ip_len; i++) ip[i] = 1;  // NOP options
  const size_t u = 14 + ip_len;
  put16(p, u, sport);
  put16(p, u + 2, dport);
  put16(p, u + 4, static_cast<uint16_t>(udp_len));
  std::copy(payload.begin(), payload.end(), p.begin() + u + 8);
  return p;
}

/// What xdp_udp turns an echo request into.
Bytes echoed(Bytes p, uint8_t ihl = 5) {
  std::swap_ranges(p.begin(), p.begin() + 6, p.begin() + 6);
  std::swap_ranges(p.begin() + 26, p.begin() + 30, p.begin() + 30);
  const size_t u = 14 + ihl * 4;
  p[u + 2] = p[u];
  p[u + 3] = p[u + 1];
  put16(p, u, 7);
  return p;
}

RunIn packet(Bytes p, uint32_t repeat = 1) { return RunIn{.data = std::move(p), .repeat = repeat}; }

}  // namespace

INTEGRATION_SCENARIO(XdpUdp) {
  if (!h.open("xdp.bpf.o")) return;
  struct Case {
    const char* what;
    Bytes in;
    uint32_t verdict;
    Bytes out;
  };
  const Bytes echo = udp_packet(4242, 7), echo_opts = udp_packet(4242, 7, 6), discard = udp_packet(4242, 9),
              dns = udp_packet(4242, 53), arp = udp_packet(1, 7, 5, "ping", 0x0806);
  Bytes short_ip(echo.begin(), echo.begin() + 24), bad_ihl = echo;
  bad_ihl[14] = 0x44;
  const std::vector<Case> cases = {
      {"echo", echo, kTx, echoed(echo)},
      {"echo with IP options", echo_opts, kTx, echoed(echo_opts, 6)},
      {"discard", discard, kDrop, discard},
      {"other port", dns, kPass, dns},
      {"not IPv4", arp, kPass, arp},
      {"truncated IPv4 header", short_ip, kDrop, short_ip},
      {"ihl below 5", bad_ihl, kAborted, bad_ihl},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    RunOut r = h.run("xdp_udp", packet(c.in));
    ASSERT_EQ(r.err, 0);
    EXPECT_EQ(r.retval, c.verdict);
    EXPECT_EQ(r.data_out, c.out);
    EXPECT_EQ(h.global<uint32_t>(".bss", "last_len"), c.in.size());
  }
  EXPECT_EQ(h.global<uint32_t>(".bss", "payload_sum"), static_cast<uint32_t>('p' + 'i' + 'n' + 'g'));

  // The kernel does not restore the packet between repeats: the second run sees
  // the first run's reply (to port 4242) and passes it.
  RunOut r = h.run("xdp_udp", packet(echo, 2));
  EXPECT_EQ(r.retval, kPass);
  EXPECT_EQ(r.data_out, echoed(echo));

  // Shorter than an Ethernet header: refused before the program runs.
  r = h.run("xdp_udp", packet(Bytes(10, 0)));
  EXPECT_EQ(r.err, kEINVAL);

  const uint64_t want_verdicts[] = {1, 2, 3, 3};  // aborted, drop, pass, tx (repeats count twice)
  for (uint32_t v = 0; v < 4; v++) EXPECT_EQ(h.u64_at("verdicts", v), want_verdicts[v]) << v;
  auto ports = h.dump("ports");
  EXPECT_EQ(ports.size(), 4u);  // 7, 9, 53 and 4242 (the repeat's second run)
  EXPECT_EQ(from_bytes<uint64_t>(ports[to_bytes<uint16_t>(7)]), 3u);
  EXPECT_EQ(from_bytes<uint64_t>(ports[to_bytes<uint16_t>(4242)]), 1u);
  h.note_map("verdicts");
  h.note_map("ports");
  h.note_section(".bss");
}

INTEGRATION_SCENARIO(TailCalls) {
  if (!h.open("tailcall.bpf.o")) return;
  const RunIn pkt = packet(Bytes(64, 0));
  // Once, plus 33 tail calls; the 34th fails and the program carries on.
  EXPECT_EQ(h.run("tc_self", pkt).retval, 0x10000u + 34);
  EXPECT_EQ(h.global<uint32_t>(".bss", "self_runs"), 34u);

  // entry -> step; step's calls to an empty slot and past the end fall through.
  EXPECT_EQ(h.run("tc_entry", pkt).retval, 0x5101u);
  EXPECT_EQ(h.global<int64_t>(".bss", "fallthrough_mark"), 3);

  // Emptying slot 1 from the host makes entry fall through too.
  uint32_t slot = 1;
  EXPECT_EQ(h.note("clear_slot", h.backend().remove("jmp_table", &slot)), 0);
  EXPECT_EQ(h.run("tc_entry", pkt).retval, 0xdeadu);
  EXPECT_EQ(h.note("set_slot1", h.backend().set_prog_slot("jmp_table", 1, "tc_step")), 0);
  EXPECT_EQ(h.run("tc_entry", pkt).retval, 0x5102u);

  // With step in slot 2 it calls itself: the limit counts every tail call of
  // the run, so entry's call plus 32 of step's, 33 step runs in all.
  EXPECT_EQ(h.note("set_slot2", h.backend().set_prog_slot("jmp_table", 2, "tc_step")), 0);
  EXPECT_EQ(h.run("tc_entry", pkt).retval, 0x5100u + 2 + 33);
  EXPECT_EQ(h.global<uint32_t>(".bss", "entry_runs"), 4u);
  EXPECT_EQ(h.global<uint32_t>(".bss", "step_runs"), 35u);
  h.note_section(".bss");
}

namespace {

struct Event {
  uint32_t seq;
  uint32_t kind;
  uint64_t payload;
};

std::vector<Bytes> consume(Harness& h) {
  std::vector<Bytes> records;
  int n = h.backend().ringbuf_consume("rb", [&](std::span<const uint8_t> r) { records.emplace_back(r.begin(), r.end()); });
  EXPECT_EQ(n, static_cast<int>(records.size()));
  h.note("consumed", static_cast<int32_t>(n));
  for (const Bytes& r : records) h.note("record", r);
  return records;
}

}  // namespace

INTEGRATION_SCENARIO(RingBuffer) {
  if (!h.open("ringbuf.bpf.o")) return;
  EXPECT_EQ(h.run("rb_produce").retval, 4u);
  std::vector<int64_t> rc;
  for (size_t i = 0; i < 5; i++) rc.push_back(h.global_at<int64_t>(".bss", "rb_rc", i));
  // output, reserve(8192) gave NULL, odd-sized output, bad flags, output
  EXPECT_EQ(rc, (std::vector<int64_t>{0, 0, 0, kEINVAL, 0}));

  std::vector<Bytes> recs = consume(h);
  ASSERT_EQ(recs.size(), 4u);  // the discarded record never shows up
  EXPECT_EQ(recs[0], to_bytes(Event{1, 1, 0xabcdef}));
  EXPECT_EQ(recs[1], to_bytes(Event{2, 2, 0x1122334455667788ULL}));
  EXPECT_EQ(recs[2], Bytes({'t', 'h', 'i', 'r', 't', 'e', 'e', 'n', '-', 'b', 'y', 't', 'e'}));
  EXPECT_EQ(recs[3], to_bytes(Event{4, 1, 0xabcdef}));
  EXPECT_TRUE(consume(h).empty());

  // 24 bytes a record (8 of header); the ring keeps the unconsumed span below
  // its 4096 bytes, so the 171st record does not fit.
  EXPECT_EQ(h.run("rb_fill").retval, 170u);
  EXPECT_EQ(h.global<int64_t>(".bss", "fill_last_rc"), kEAGAIN);
  recs = consume(h);
  ASSERT_EQ(recs.size(), 170u);
  for (uint32_t i = 0; i < recs.size(); i++) EXPECT_EQ(recs[i], to_bytes(Event{i, 4, 0})) << i;
  // Consuming made room again.
  EXPECT_EQ(h.run("rb_fill").retval, 170u);
  EXPECT_EQ(consume(h).size(), 170u);
  h.note_section(".bss");
}

}  // namespace integration
