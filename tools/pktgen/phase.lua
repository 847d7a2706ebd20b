-- SPDX-License-Identifier: BSD-3-Clause
-- egressgw lab: send the capture(s) pktgen-dpdk was started with (-s P:file)
-- exactly once, at a modest rate, wait until the gateway has forwarded them
-- to the other port, print the counters and quit. run-phases.sh starts
-- pktgen once per phase with this script (-f tools/pktgen/phase.lua).
--
-- Environment:
--   EGW_LAN_PORT, EGW_WAN_PORT   pktgen ports cabled to the gateway's LAN
--                                and WAN ports (default 0 and 1)
--   EGW_COUNT_LAN, EGW_COUNT_WAN frames in this phase's pNN-lan / pNN-wan
--                                capture (0: that port sends nothing)
--   EGW_RATE                     percent of line rate (default 1: the
--                                gateway sees a few hundred thousand new
--                                flows per second at most, in order)
--   EGW_TIMEOUT_MS               how long to wait for the frames (default 5000)
--   EGW_RESULT                   file the counters are appended to

package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local lan = tonumber(os.getenv("EGW_LAN_PORT") or "0")
local wan = tonumber(os.getenv("EGW_WAN_PORT") or "1")
local count = {
	[lan] = tonumber(os.getenv("EGW_COUNT_LAN") or "0"),
	[wan] = tonumber(os.getenv("EGW_COUNT_WAN") or "0"),
}
local rate = os.getenv("EGW_RATE") or "1"
local timeout = tonumber(os.getenv("EGW_TIMEOUT_MS") or "5000")
local result = os.getenv("EGW_RESULT")

local function stats(p)
	return pktgen.portStats(tostring(p), "port")[p]
end

pktgen.screen("off")
pktgen.clr()
local senders = {}
for _, p in ipairs({lan, wan}) do
	if count[p] > 0 then
		pktgen.pcap(tostring(p), "on")
		pktgen.set(tostring(p), "rate", rate)
		-- count: the capture once, not in a loop
		pktgen.set(tostring(p), "count", count[p])
		table.insert(senders, tostring(p))
	end
end
if #senders > 0 then
	pktgen.start(table.concat(senders, ","))
end

-- Frames sent on the LAN port come out of the WAN port and the other way
-- round; a first ClientHello segment is held by the gateway until the
-- second one arrives (in the next phase), so "all" may be one short per
-- flow here and complete after the next phase.
local want_wan_rx = count[lan]
local want_lan_rx = count[wan]
local waited = 0
while waited < timeout do
	pktgen.delay(100)
	waited = waited + 100
	local l, w = stats(lan), stats(wan)
	if w.ipackets >= want_wan_rx and l.ipackets >= want_lan_rx and
	   l.opackets >= count[lan] and w.opackets >= count[wan] then
		break
	end
end
pktgen.stop("all")

local l, w = stats(lan), stats(wan)
local line = string.format(
	"lan: sent %d received %d   wan: sent %d received %d   (expected rx lan %d wan %d)",
	l.opackets, l.ipackets, w.opackets, w.ipackets, want_lan_rx, want_wan_rx)
print(line)
if result ~= nil then
	local f = io.open(result, "a")
	if f ~= nil then
		f:write(line .. "\n")
		f:close()
	end
end
pktgen.quit()
