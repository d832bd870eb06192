// OpenColorIO, thin: a config (a file, or the text of one) is loaded once and cached; processors
// between two colour spaces, or from a colour space to a display's view, are applied in place to
// planar float32 RGB(A). Which spaces to use is decided in TypeScript (src/data/colour.ts).
#include "image_addon.h"

#include <OpenColorIO/OpenColorIO.h>

#include <map>
#include <mutex>
#include <sstream>
#include <string>

namespace OCIO = OCIO_NAMESPACE;

namespace atelier_image {

// Key: "file:<path>" or "text:<config text>". Configs are immutable once loaded.
static std::map<std::string, OCIO::ConstConfigRcPtr> configCache;
static std::mutex cacheMutex;

static OCIO::ConstConfigRcPtr loadConfig(const Napi::Object& src) {
  std::string key;
  const bool isFile = src.Has("path") && src.Get("path").IsString();
  if (isFile) key = "file:" + std::string(src.Get("path").As<Napi::String>());
  else key = "text:" + std::string(src.Get("text").As<Napi::String>());
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto it = configCache.find(key);
  if (it != configCache.end()) return it->second;
  OCIO::ConstConfigRcPtr cfg;
  if (isFile) {
    cfg = OCIO::Config::CreateFromFile(key.c_str() + 5);
  } else {
    std::istringstream in(key.substr(5));
    cfg = OCIO::Config::CreateFromStream(in);
  }
  cfg->validate();
  configCache[key] = cfg;
  return cfg;
}

// ocioInfo(config) -> { colorSpaces: [{ name, aliases, family, isData }], roles: { role: space },
//   displays: { display: [view] } }
static Napi::Value OcioInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    auto cfg = loadConfig(info[0].As<Napi::Object>());
    Napi::Array spaces = Napi::Array::New(env);
    for (int i = 0; i < cfg->getNumColorSpaces(); i++) {
      auto cs = cfg->getColorSpace(cfg->getColorSpaceNameByIndex(i));
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", cs->getName());
      Napi::Array aliases = Napi::Array::New(env);
      for (size_t a = 0; a < cs->getNumAliases(); a++) aliases.Set(uint32_t(a), cs->getAlias(a));
      o.Set("aliases", aliases);
      o.Set("family", cs->getFamily());
      o.Set("isData", cs->isData());
      spaces.Set(uint32_t(i), o);
    }
    Napi::Object roles = Napi::Object::New(env);
    for (int i = 0; i < cfg->getNumRoles(); i++) roles.Set(cfg->getRoleName(i), cfg->getRoleColorSpace(i));
    Napi::Object displays = Napi::Object::New(env);
    for (int d = 0; d < cfg->getNumDisplays(); d++) {
      const char* disp = cfg->getDisplay(d);
      Napi::Array views = Napi::Array::New(env);
      for (int v = 0; v < cfg->getNumViews(disp); v++) views.Set(uint32_t(v), cfg->getView(disp, v));
      displays.Set(disp, views);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("colorSpaces", spaces);
    out.Set("roles", roles);
    out.Set("displays", displays);
    return out;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

// ocioApply(config, { src, dst } | { src, display, view }, planes: Float32Array[3 or 4], width, height)
// Converts in place; planes are R, G, B (and A, carried through).
static Napi::Value OcioApply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    auto cfg = loadConfig(info[0].As<Napi::Object>());
    Napi::Object how = info[1].As<Napi::Object>();
    Napi::Array planes = info[2].As<Napi::Array>();
    const long w = info[3].As<Napi::Number>().Int64Value(), h = info[4].As<Napi::Number>().Int64Value();
    std::string src = how.Get("src").As<Napi::String>();
    OCIO::ConstProcessorRcPtr proc;
    if (how.Has("display")) {
      std::string display = how.Get("display").As<Napi::String>(), view = how.Get("view").As<Napi::String>();
      proc = cfg->getProcessor(src.c_str(), display.c_str(), view.c_str(), OCIO::TRANSFORM_DIR_FORWARD);
    } else {
      std::string dst = how.Get("dst").As<Napi::String>();
      proc = cfg->getProcessor(src.c_str(), dst.c_str());
    }
    float* p[4] = {nullptr, nullptr, nullptr, nullptr};
    for (uint32_t c = 0; c < planes.Length() && c < 4; c++) {
      Napi::Float32Array a = planes.Get(c).As<Napi::Float32Array>();
      if (a.ElementLength() != size_t(w) * size_t(h)) throw std::runtime_error("a colour plane has the wrong number of values");
      p[c] = a.Data();
    }
    OCIO::PlanarImageDesc img(p[0], p[1], p[2], p[3], w, h);
    proc->getDefaultCPUProcessor()->apply(img);
    return env.Undefined();
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

void initOcio(Napi::Env env, Napi::Object exports) {
  exports.Set("ocioInfo", Napi::Function::New(env, OcioInfo, "ocioInfo"));
  exports.Set("ocioApply", Napi::Function::New(env, OcioApply, "ocioApply"));
}

}  // namespace atelier_image
