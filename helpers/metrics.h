// The Prometheus text exposition (format 0.0.4) of the status twinarray-status gathers: one
// scrape of node_exporter's textfile collector, or `twinarray-status --prometheus`. A renderer
// only: it reads a SystemView, never the system.
#ifndef TWINARRAY_HELPERS_METRICS_H_
#define TWINARRAY_HELPERS_METRICS_H_

#include <string>

#include "helpers/system_view.h"

namespace twinarray {

/// Every metric of `view`, each with its HELP and TYPE lines, names in base units (`_bytes`,
/// `_seconds`), labels `mirror`, `leg` ("a"/"b"), `state`, `node`. A value that was not read is
/// left out, never written as 0: `twinarray_mirror_record_known` and
/// `twinarray_scrape_problems` say what is missing.
std::string RenderMetrics(const SystemView& view);

}  // namespace twinarray

#endif  // TWINARRAY_HELPERS_METRICS_H_
