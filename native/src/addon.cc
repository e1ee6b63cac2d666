// synack's optional native addon: libpcap's BPF compiler for capture files,
// live capture in batches with kernel timestamps and drop counters, and the
// classic-pcap record walk with the decode of the common frame in batches.
// Loaded by src/native.ts when built; every feature has a TypeScript caller
// that reports clearly when the addon is absent.
#include <napi.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "filter.h"
#include "scan.h"

static Napi::Value LibpcapVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), pcap_lib_version());
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function filter = Filter::Init(env);
  Napi::Function capture = LiveCapture::Init(env);
  exports.Set("Filter", filter);
  exports.Set("LiveCapture", capture);
  exports.Set("libpcapVersion", Napi::Function::New(env, LibpcapVersion));
  exports.Set("scanPcap", Napi::Function::New(env, ScanPcap));
  exports.Set("abiVersion", Napi::Number::New(env, 4));
  return exports;
}

NODE_API_MODULE(synack, Init)
