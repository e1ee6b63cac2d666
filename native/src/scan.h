// The classic-pcap record walk and the decode of the common frame
// (Ethernet, IPv4 without options, TCP), a batch at a time, into typed
// arrays the caller owns. src/capture/pcap.ts (PcapReader.parseNative)
// calls it; src/capture/scan-slot.ts names the words it writes.
#pragma once
#include <napi.h>

// scanPcap(buf, start, end, flags, snapLen, linkType, first, max, slots): number
Napi::Value ScanPcap(const Napi::CallbackInfo& info);
