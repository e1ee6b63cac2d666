#!/usr/bin/env python3
"""Regenerates cipher-suites.tshark.tsv: writes a one-packet pcap whose ClientHello offers every
suite in the given list (one hex value per argument), lets tshark name them, prints `hex<TAB>name`.
usage: python3 cipher-suites.gen.py 0x0000 0x0001 ... > cipher-suites.tshark.tsv"""
import struct, subprocess, sys, tempfile
suites = [int(x, 16) for x in sys.argv[1:]]
cs = b''.join(struct.pack('>H', s) for s in suites)
body = b'\x03\x03' + b'\x00' * 32 + b'\x00' + struct.pack('>H', len(cs)) + cs + b'\x01\x00'
hs = b'\x01' + struct.pack('>I', len(body))[1:] + body
rec = b'\x16\x03\x01' + struct.pack('>H', len(hs)) + hs
tcp = struct.pack('>HHIIBBHHH', 40000, 443, 1, 0, 0x50, 0x18, 65535, 0, 0)
ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp) + len(rec), 0, 0, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
pkt = b'\x00' * 11 + b'\x01\x08\x00' + ip + tcp + rec
with tempfile.NamedTemporaryFile(suffix='.pcap') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1) + struct.pack('<IIII', 0, 0, len(pkt), len(pkt)) + pkt)
    f.flush()
    out = subprocess.run(['tshark', '-r', f.name, '-V'], capture_output=True, text=True).stdout
for line in out.splitlines():
    line = line.strip()
    if line.startswith('Cipher Suite: '):
        name, _, h = line[len('Cipher Suite: '):].rpartition(' ')
        print(h.strip('()') + '\t' + name)
