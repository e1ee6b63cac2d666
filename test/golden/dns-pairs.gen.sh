#!/bin/sh
# Regenerates dns-pairs.tshark.tsv: every DNS, mDNS and LLMNR message tshark 4.0 finds in the corpus, with its
# pairing (dns.response_to: the query frame a response answers, single pass as in expected/).
# usage: sh test/golden/dns-pairs.gen.sh > test/golden/dns-pairs.tshark.tsv
C=${CAPTURES:-../shared/captures}
printf 'file\tframe.number\tdns.id\tdns.flags.response\tdns.qry.name\tdns.response_to\n'
for f in $(ls "$C" | grep -E '\.(pcap|pcapng)$' | sort); do
  tshark -r "$C/$f" -Y 'dns || mdns || llmnr' -T fields -e frame.number -e dns.id -e dns.flags.response -e dns.qry.name -e dns.response_to 2>/dev/null |
    sed "s/^/$f\t/"
done
