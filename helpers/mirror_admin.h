// The actions of mirror-resync: everything but argument parsing and printing. Each command acts
// on a MirrorView gathered just before, through the seams, and returns an AdminOutcome; only the
// main turns the outcome's failure kind into an exit code.
#ifndef TWINARRAY_HELPERS_MIRROR_ADMIN_H_
#define TWINARRAY_HELPERS_MIRROR_ADMIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "helpers/json.h"
#include "helpers/mirror_view.h"
#include "helpers/seams.h"

namespace twinarray {

enum class AdminFailure {
  kNone,
  kUsage,          ///< Bad arguments.
  kUnknownMirror,  ///< No such mirror.
  kUnknownLeg,     ///< A leg that is not part of the mirror.
  kBadDevice,      ///< A device that is not the one the mirror's leg uses, or not a block device.
  kNoDevice,       ///< A device that does not exist.
  kRefused,        ///< Not safe or not possible now; nothing changed.
  kTryLater,       ///< Busy (a resync or check is running); try again later.
  kTimeout,        ///< --wait gave up; the operation goes on in the kernel.
  kSystem,         ///< A system call or tool failed.
};

/// "usage", "unknown-mirror", ... (for JSON).
const char* AdminFailureName(AdminFailure failure);

struct AdminOutcome {
  AdminFailure failure = AdminFailure::kNone;
  std::string message;             ///< One paragraph for the administrator.
  std::vector<std::string> steps;  ///< What was done (or, with --dry-run, would be done).
  Json details = Json::Object();   ///< Command-specific results (mismatches, ...).

  bool ok() const { return failure == AdminFailure::kNone; }
  static AdminOutcome Fail(AdminFailure failure, std::string message);
};

struct AdminOptions {
  bool dry_run = false;
  bool yes = false;
  bool wait = false;
  int timeout_s = 0;   ///< --wait limit; 0: none.
  int poll_ms = 1000;  ///< --wait polling interval.
  bool quiet = false;  ///< No progress output (--json).
  /// force-current: declare the stale leg current even though the recorded-current leg answers
  /// reads (its data is then overwritten at the next start).
  bool overwrite_readable_current = false;
};

/// Resolves `wanted` and gathers its view; false with the outcome to report when unknown.
bool LoadMirror(const std::string& wanted, const AdminSeams& seams, MirrorView* view,
                AdminOutcome* failure);

/// Samples the kernel status twice `ms` apart to measure the copy rate of a running resync.
void MeasureRate(const AdminSeams& seams, int ms, MirrorView* view);

class MirrorAdmin {
 public:
  MirrorAdmin(const AdminSeams& seams, MirrorView view, AdminOptions options);

  AdminOutcome Resync();
  AdminOutcome Verify();
  AdminOutcome Repair();
  AdminOutcome Replace(const std::string& leg, const std::string& device);
  AdminOutcome ForceCurrent(const std::string& leg);
  /// Discards `leg`'s data: writes the rebuild mark (twinarray-<name>-rebuild = leg) so that the
  /// agent rebuilds it in full from the other leg (the running mirror's next monitor, or the next
  /// start). The choice for a diverged leg. Refuses when `leg` is the only in-sync leg of the
  /// running mirror or, stopped, the only leg the record names current, and when the record or
  /// the mark cannot be read.
  AdminOutcome Rebuild(const std::string& leg);
  AdminOutcome Throttle(uint64_t max_rate_kib);

  const MirrorView& view() const { return view_; }

 private:
  bool CheckOwnership(AdminOutcome* out) const;
  bool CheckAssembled(AdminOutcome* out) const;
  /// True when the cluster record was read and is well formed; otherwise the refusal of
  /// `command` (an absent or unreadable record is never a guess to act on).
  bool CheckRecord(const std::string& command, AdminOutcome* out) const;
  /// How to start the mirror: "crm_resource --cleanup --resource R" (or "through its agent").
  std::string StartHint() const;
  bool ParseLeg(const std::string& text, int* leg, AdminOutcome* out) const;
  /// Sends a dm-raid scrub message ("check" / "repair") and optionally waits for it.
  AdminOutcome Scrub(const std::string& action);
  /// Polls until `done` says so, drawing progress. False with the outcome on failure/timeout.
  bool WaitFor(const std::string& label, bool (*done)(const MirrorView&, std::string*),
               AdminOutcome* out);
  /// Checks that `device` may be overwritten: nothing but this mirror's own maps uses it, and
  /// its metadata area is blank. `*zero` is set when the area must be zeroed first.
  bool CheckNewDevice(int leg, const std::string& device, bool* zero, std::string* warning,
                      AdminOutcome* out);
  bool Confirm(const std::string& warning, const std::string& question, AdminOutcome* out);
  void Audit(const std::string& line);

  AdminSeams seams_;
  MirrorView view_;
  AdminOptions options_;
};

/// The text of an outcome: on success "done: <step>" lines ("would: " with --dry-run) and the
/// message (for standard output); on failure "<program>: <message>" (for standard error).
std::string RenderOutcome(const std::string& program, bool dry_run, const AdminOutcome& outcome);
/// The --json form of an outcome: command, mirror, ok, dry_run, error, message, steps, details.
Json OutcomeJson(const std::string& command, const std::string& mirror, bool dry_run,
                 const AdminOutcome& outcome);

/// The progress line: "resync [#####.....]  45.2%  12.3 MiB/s  ETA 0:00:45" (bar only when
/// `bar` is set).
std::string ProgressLine(const std::string& label, double percent, double rate_kib_s, double eta_s,
                         bool bar);

/// RFC 3339 UTC time, for audit records.
std::string UtcTime(std::time_t t);

}  // namespace twinarray

#endif  // TWINARRAY_HELPERS_MIRROR_ADMIN_H_
