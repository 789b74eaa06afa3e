#include "lib/mirror/layout.h"

namespace twinarray {
namespace {

constexpr char kRecordPrefix[] = "twinarray-";
constexpr char kRecordSuffix[] = "-current";
constexpr char kRebuildSuffix[] = "-rebuild";

}  // namespace

const char* LegLetter(int leg) { return leg == 0 ? "a" : "b"; }
const char* ArrayLetter(int leg) { return leg == 0 ? "A" : "B"; }

std::string LegName(int leg) { return std::string("leg ") + ArrayLetter(leg); }

std::string DescribeLeg(const MirrorConfig& config, int leg) {
  return std::string("leg ") + ArrayLetter(leg) + " (array " + ArrayLetter(leg) + ", " +
         config.legs[leg] + ")";
}

std::string MetaPath(const MirrorConfig& config, int leg) {
  return config.Carved(leg) ? config.legs[leg] : config.metas[leg];
}

std::string MapUuid(const std::string& map_name) { return kUuidPrefix + map_name; }
std::string MetaMapName(const std::string& mirror, int leg) {
  return mirror + "-rmeta_" + LegLetter(leg);
}
std::string ImageMapName(const std::string& mirror, int leg) {
  return mirror + "-rimage_" + LegLetter(leg);
}

std::string RecordKey(const std::string& mirror) { return kRecordPrefix + mirror + kRecordSuffix; }
std::string RebuildKey(const std::string& mirror) {
  return kRecordPrefix + mirror + kRebuildSuffix;
}

bool ParseCurrentLegs(const std::string& value, std::array<bool, kLegCount>* current) {
  std::array<bool, kLegCount> out{};
  if (value == "a,b" || value == "b,a") {
    out = {true, true};
  } else if (value == "a") {
    out = {true, false};
  } else if (value == "b") {
    out = {false, true};
  } else {
    return false;
  }
  *current = out;
  return true;
}

bool ParseRebuildMark(const std::string& value, std::array<bool, kLegCount>* marked) {
  if (value.empty()) {
    *marked = {};
    return true;
  }
  return ParseCurrentLegs(value, marked);
}

std::string FormatCurrentLegs(const std::array<bool, kLegCount>& current) {
  if (current[0] && current[1]) return "a,b";
  if (current[0]) return "a";
  if (current[1]) return "b";
  return "";
}

}  // namespace twinarray
