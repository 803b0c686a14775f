/** What figure 3's child process reports. */
export interface InProcessResult {
  type: "result";
  /** Median ns per call of each candidate. */
  nsPerCall: Record<string, number>;
  /** Every round's ns per call. */
  samples: Record<string, number[]>;
  /** Sum of the results, so that no loop can be optimized away. */
  checksum: number;
  /** Customers on the targeting list. */
  listSize: number;
}
