-- SPDX-License-Identifier: BSD-3-Clause
-- egressgw lab: zero-loss throughput of established flows (RFC 2544 26.1,
-- binary search), both directions at once. pktgen-dpdk is started with the
-- data captures of `egressgw-bench gen --split` for a bulk profile:
--   -s <lan>:data-lan.pcap -s <wan>:data-wan.pcap
-- after run-phases.sh has opened the flows through the gateway. The
-- captures are replayed in a loop (pcap mode), so every frame belongs to
-- an established, allowed flow.
--
-- Environment:
--   EGW_LAN_PORT, EGW_WAN_PORT   default 0 and 1
--   EGW_TRIAL_MS                 trial length (default 10000; RFC 2544 says 60 s)
--   EGW_ITERATIONS               binary search steps (default 12)
--   EGW_RESOLUTION               stop when max - min < this many percent (default 0.5)
--   EGW_RESULT                   file the trials and the result are appended to
-- Latency at 90 % of the result: use pktgen's latency page
-- ("enable <port> latency") at that rate; see README.md.

package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local lan = tonumber(os.getenv("EGW_LAN_PORT") or "0")
local wan = tonumber(os.getenv("EGW_WAN_PORT") or "1")
local trial_ms = tonumber(os.getenv("EGW_TRIAL_MS") or "10000")
local iterations = tonumber(os.getenv("EGW_ITERATIONS") or "12")
local resolution = tonumber(os.getenv("EGW_RESOLUTION") or "0.5")
local result = os.getenv("EGW_RESULT")
local ports = tostring(lan) .. "," .. tostring(wan)

local function log(s)
	print(s)
	if result ~= nil then
		local f = io.open(result, "a")
		if f ~= nil then
			f:write(s .. "\n")
			f:close()
		end
	end
end

local function stats(p)
	return pktgen.portStats(tostring(p), "port")[p]
end

-- One trial at `rate` percent of line rate on both ports; returns frames
-- sent and received (both directions together).
local function trial(rate)
	pktgen.clr()
	pktgen.set(ports, "rate", rate)
	pktgen.set(ports, "count", 0)
	pktgen.start(ports)
	pktgen.delay(trial_ms)
	pktgen.stop(ports)
	-- Frames still in the gateway's rings arrive within a moment.
	pktgen.delay(500)
	local l, w = stats(lan), stats(wan)
	return l.opackets + w.opackets, l.ipackets + w.ipackets
end

pktgen.screen("off")
pktgen.pcap(ports, "on")

local lo, hi = 0, 100
local best_pps = 0
for i = 1, iterations do
	local rate = (i == 1) and 100 or (lo + hi) / 2
	local sent, got = trial(rate)
	local pps = sent / (trial_ms / 1000)
	log(string.format("trial %2d: %6.2f %% of line rate, sent %d, received %d, lost %d (%.3f Mpps offered)",
		i, rate, sent, got, sent - got, pps / 1e6))
	if sent > 0 and got >= sent then
		lo = rate
		best_pps = pps
		if i == 1 then
			break
		end
	else
		hi = rate
	end
	if hi - lo < resolution then
		break
	end
end
log(string.format("zero-loss throughput: %.2f %% of line rate, %.3f Mpps (both directions)",
	lo, best_pps / 1e6))
pktgen.quit()
