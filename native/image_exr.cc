// OpenEXR in and out, thin: headers as plain objects, channels read as float32 planes, channels
// written from float32 planes (stored half or float). Which layer is the beauty, which channels
// are passes, colour spaces and alpha are decided in TypeScript (src/data/exr-*.ts), which checks
// every argument before it comes here. OpenEXR's exceptions become JavaScript errors.
#include "image_addon.h"

#include <ImfChannelList.h>
#include <ImfChromaticitiesAttribute.h>
#include <ImfCompression.h>
#include <ImfFrameBuffer.h>
#include <ImfHeader.h>
#include <ImfInputPart.h>
#include <ImfMultiPartInputFile.h>
#include <ImfMultiPartOutputFile.h>
#include <ImfOutputFile.h>
#include <ImfOutputPart.h>
#include <ImfPartType.h>
#include <ImfStandardAttributes.h>
#include <ImfStringAttribute.h>
#include <ImfTimeCodeAttribute.h>
#include <Imath/half.h>

#include <map>
#include <string>
#include <vector>

namespace atelier_image {

static const char* pixelTypeName(Imf::PixelType t) {
  switch (t) {
    case Imf::HALF: return "half";
    case Imf::FLOAT: return "float";
    case Imf::UINT: return "uint";
    default: return "unknown";
  }
}

static const std::map<std::string, Imf::Compression>& compressions() {
  static const std::map<std::string, Imf::Compression> m = {
      {"none", Imf::NO_COMPRESSION}, {"rle", Imf::RLE_COMPRESSION}, {"zips", Imf::ZIPS_COMPRESSION},
      {"zip", Imf::ZIP_COMPRESSION}, {"piz", Imf::PIZ_COMPRESSION}, {"pxr24", Imf::PXR24_COMPRESSION},
      {"b44", Imf::B44_COMPRESSION}, {"b44a", Imf::B44A_COMPRESSION}, {"dwaa", Imf::DWAA_COMPRESSION},
      {"dwab", Imf::DWAB_COMPRESSION}};
  return m;
}

static std::string compressionName(Imf::Compression c) {
  for (auto& kv : compressions())
    if (kv.second == c) return kv.first;
  return "unknown";
}

static Napi::Array box(Napi::Env env, const Imath::Box2i& b) {
  Napi::Array a = Napi::Array::New(env, 4);
  a.Set(0u, b.min.x); a.Set(1u, b.min.y); a.Set(2u, b.max.x); a.Set(3u, b.max.y);
  return a;
}

// exrInfo(path) -> { parts: [{ name, type, tiled, deep, dataWindow, displayWindow, compression,
//   channels: [{ name, type, xSampling, ySampling }], attributes: { name: string }, chromaticities }] }
// Opening reads and checks every header and the chunk offset tables.
static Napi::Value ExrInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  try {
    Imf::MultiPartInputFile file(path.c_str());
    Napi::Array parts = Napi::Array::New(env, file.parts());
    for (int p = 0; p < file.parts(); p++) {
      const Imf::Header& h = file.header(p);
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", h.hasName() ? Napi::Value(Napi::String::New(env, h.name())) : env.Null());
      std::string type = h.hasType() ? h.type() : (h.find("tiles") != h.end() ? Imf::TILEDIMAGE : Imf::SCANLINEIMAGE);
      o.Set("type", type);
      o.Set("tiled", type == Imf::TILEDIMAGE || type == Imf::DEEPTILE);
      o.Set("deep", Imf::isDeepData(type));
      o.Set("dataWindow", box(env, h.dataWindow()));
      o.Set("displayWindow", box(env, h.displayWindow()));
      o.Set("compression", compressionName(h.compression()));
      Napi::Array chans = Napi::Array::New(env);
      uint32_t i = 0;
      for (auto c = h.channels().begin(); c != h.channels().end(); ++c) {
        Napi::Object ch = Napi::Object::New(env);
        ch.Set("name", c.name());
        ch.Set("type", pixelTypeName(c.channel().type));
        ch.Set("xSampling", c.channel().xSampling);
        ch.Set("ySampling", c.channel().ySampling);
        chans.Set(i++, ch);
      }
      o.Set("channels", chans);
      Napi::Object attrs = Napi::Object::New(env);
      for (auto a = h.begin(); a != h.end(); ++a) {
        // "name" and "type" are the part's own fields above.
        if (std::string(a.name()) == "name" || std::string(a.name()) == "type") continue;
        if (auto s = dynamic_cast<const Imf::StringAttribute*>(&a.attribute())) attrs.Set(a.name(), s->value());
      }
      o.Set("attributes", attrs);
      if (Imf::hasChromaticities(h)) {
        const Imf::Chromaticities& c = Imf::chromaticities(h);
        Napi::Array ca = Napi::Array::New(env, 8);
        const float v[8] = {c.red.x, c.red.y, c.green.x, c.green.y, c.blue.x, c.blue.y, c.white.x, c.white.y};
        for (uint32_t k = 0; k < 8; k++) ca.Set(k, v[k]);
        o.Set("chromaticities", ca);
      } else {
        o.Set("chromaticities", env.Null());
      }
      if (Imf::hasTimeCode(h)) {
        const Imf::TimeCode& t = Imf::timeCode(h);
        Napi::Array tc = Napi::Array::New(env, 4);
        tc.Set(0u, t.hours()); tc.Set(1u, t.minutes()); tc.Set(2u, t.seconds()); tc.Set(3u, t.frame());
        o.Set("timeCode", tc);
      } else {
        o.Set("timeCode", env.Null());
      }
      parts.Set(static_cast<uint32_t>(p), o);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("parts", parts);
    return out;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

// exrRead(path, part, names[]) -> Float32Array[] (one plane per name, the part's data window, row
// major). Every pixel of the part is decoded, so a truncated or corrupt chunk throws here.
static Napi::Value ExrRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  int part = info[1].As<Napi::Number>().Int32Value();
  Napi::Array names = info[2].As<Napi::Array>();
  try {
    Imf::MultiPartInputFile file(path.c_str());
    if (part < 0 || part >= file.parts()) throw std::runtime_error("part " + std::to_string(part) + " does not exist");
    Imf::InputPart in(file, part);
    const Imath::Box2i dw = in.header().dataWindow();
    const size_t w = size_t(dw.max.x - dw.min.x + 1), h = size_t(dw.max.y - dw.min.y + 1);
    std::vector<Napi::Float32Array> planes;
    Imf::FrameBuffer fb;
    for (uint32_t i = 0; i < names.Length(); i++) {
      std::string n = names.Get(i).As<Napi::String>();
      if (!in.header().channels().findChannel(n)) throw std::runtime_error("no channel \"" + n + "\" in part " + std::to_string(part));
      planes.push_back(Napi::Float32Array::New(env, w * h));
      fb.insert(n, Imf::Slice::Make(Imf::FLOAT, planes.back().Data(), dw, sizeof(float), w * sizeof(float)));
    }
    in.setFrameBuffer(fb);
    in.readPixels(dw.min.y, dw.max.y);
    Napi::Array out = Napi::Array::New(env, planes.size());
    for (uint32_t i = 0; i < planes.size(); i++) out.Set(i, planes[i]);
    return out;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

// exrWrite(path, parts[]) with parts: [{ name, width, height, compression,
//   channels: [{ name, type: 'half'|'float', data: Float32Array(width*height) }],
//   attributes: { name: string }, chromaticities: number[8] | null, timeCode: [h, m, s, f] | null }]
// Several parts make a multi-part file; one part a plain scanline file.
static Napi::Value ExrWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  Napi::Array jsParts = info[1].As<Napi::Array>();
  try {
    std::vector<Imf::Header> headers;
    std::vector<std::vector<std::vector<Imath::half>>> halves(jsParts.Length());
    std::vector<Imf::FrameBuffer> buffers(jsParts.Length());
    for (uint32_t p = 0; p < jsParts.Length(); p++) {
      Napi::Object jp = jsParts.Get(p).As<Napi::Object>();
      const int w = jp.Get("width").As<Napi::Number>().Int32Value(), h = jp.Get("height").As<Napi::Number>().Int32Value();
      Imf::Header hd(w, h);
      std::string comp = jp.Get("compression").As<Napi::String>();
      hd.compression() = compressions().at(comp);
      if (jsParts.Length() > 1) {
        hd.setName(jp.Get("name").As<Napi::String>());
        hd.setType(Imf::SCANLINEIMAGE);
      }
      Napi::Object attrs = jp.Get("attributes").As<Napi::Object>();
      Napi::Array keys = attrs.GetPropertyNames();
      for (uint32_t k = 0; k < keys.Length(); k++) {
        std::string key = keys.Get(k).As<Napi::String>();
        hd.insert(key, Imf::StringAttribute(attrs.Get(key).As<Napi::String>()));
      }
      if (jp.Get("chromaticities").IsArray()) {
        Napi::Array c = jp.Get("chromaticities").As<Napi::Array>();
        auto f = [&](uint32_t k) { return c.Get(k).As<Napi::Number>().FloatValue(); };
        Imf::addChromaticities(hd, Imf::Chromaticities({f(0), f(1)}, {f(2), f(3)}, {f(4), f(5)}, {f(6), f(7)}));
      }
      if (jp.Get("timeCode").IsArray()) {
        Napi::Array t = jp.Get("timeCode").As<Napi::Array>();
        auto g = [&](uint32_t k) { return t.Get(k).As<Napi::Number>().Int32Value(); };
        Imf::addTimeCode(hd, Imf::TimeCode(g(0), g(1), g(2), g(3)));
      }
      Napi::Array chans = jp.Get("channels").As<Napi::Array>();
      halves[p].reserve(chans.Length());  // the half planes must not move once a slice points at them
      const Imath::Box2i dw = hd.dataWindow();
      for (uint32_t c = 0; c < chans.Length(); c++) {
        Napi::Object jc = chans.Get(c).As<Napi::Object>();
        std::string name = jc.Get("name").As<Napi::String>();
        std::string type = jc.Get("type").As<Napi::String>();
        Napi::Float32Array data = jc.Get("data").As<Napi::Float32Array>();
        if (data.ElementLength() != size_t(w) * size_t(h)) throw std::runtime_error("channel " + name + " has the wrong number of values");
        if (type == "half") {
          hd.channels().insert(name, Imf::Channel(Imf::HALF));
          halves[p].emplace_back(data.Data(), data.Data() + data.ElementLength());
          buffers[p].insert(name, Imf::Slice::Make(Imf::HALF, halves[p].back().data(), dw, sizeof(Imath::half), size_t(w) * sizeof(Imath::half)));
        } else {
          hd.channels().insert(name, Imf::Channel(Imf::FLOAT));
          buffers[p].insert(name, Imf::Slice::Make(Imf::FLOAT, data.Data(), dw, sizeof(float), size_t(w) * sizeof(float)));
        }
      }
      headers.push_back(hd);
    }
    if (headers.size() == 1) {
      Imf::OutputFile file(path.c_str(), headers[0]);
      file.setFrameBuffer(buffers[0]);
      const Imath::Box2i dw = headers[0].dataWindow();
      file.writePixels(dw.max.y - dw.min.y + 1);
    } else {
      Imf::MultiPartOutputFile file(path.c_str(), headers.data(), int(headers.size()));
      for (int p = 0; p < int(headers.size()); p++) {
        Imf::OutputPart out(file, p);
        out.setFrameBuffer(buffers[p]);
        const Imath::Box2i dw = headers[p].dataWindow();
        out.writePixels(dw.max.y - dw.min.y + 1);
      }
    }
    return env.Undefined();
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

void initExr(Napi::Env env, Napi::Object exports) {
  exports.Set("exrInfo", Napi::Function::New(env, ExrInfo, "exrInfo"));
  exports.Set("exrRead", Napi::Function::New(env, ExrRead, "exrRead"));
  exports.Set("exrWrite", Napi::Function::New(env, ExrWrite, "exrWrite"));
}

}  // namespace atelier_image
