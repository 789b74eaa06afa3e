#include "helpers/real_seams.h"

#include "lib/sys/state_file.h"

namespace twinarray {

std::unique_ptr<RealSeams> NewRealSeams(const ocf::Env& env) {
  auto s = std::make_unique<RealSeams>();
  s->dm = NewLibDeviceMapper();
  s->disks = NewRealBlockDevices();
  s->record = NewCrmAttributeRecord(env, kRuntimeDir);
  s->cluster = NewPacemakerSource(env);
  s->clock = NewRealClock();
  s->terminal = NewRealTerminal();
  s->seams = AdminSeams{s->dm.get(),    s->disks.get(),    s->record.get(), s->cluster.get(),
                        s->clock.get(), s->terminal.get(), nullptr,         CurrentUser(env)};
  return s;
}

}  // namespace twinarray
