import { funnelReport, type FunnelCounters, type FunnelReport } from '#core/funnel.ts';

export interface FunnelPorts {
  /** the counters the stream path keeps; never a scan */
  getFunnelCounters: () => Promise<FunnelCounters>;
}

/** The funnel: how many leads reached each stage and are in it now. */
export async function readFunnel(ports: FunnelPorts): Promise<FunnelReport> {
  return funnelReport(await ports.getFunnelCounters());
}
