import { Option } from "commander";

/** The largest page the server serves: the fewest round trips. */
export const MAX_PAGE_SIZE = 1000;

/** `--page-size`, hidden: lists read every page anyway, so it only matters to tests of the paging. */
export function pageSizeOption(): Option {
  return new Option("--page-size <n>", "items per request").default(MAX_PAGE_SIZE).argParser(Number).hideHelp();
}

/**
 * Reads every page of a list call (or pages until `limit` items) and returns one response holding the
 * items of `field`: the same shape a single page has, with no next page. Its revision is that of the
 * last page read.
 */
export async function readAllPages<F extends string, R extends { nextPageToken: string } & Record<F, unknown[]>>(
  fetchPage: (pageToken: string) => Promise<R>,
  field: F,
  limit = Infinity,
): Promise<R> {
  let page = await fetchPage("");
  const items = [...page[field]];
  while (page.nextPageToken && items.length < limit) {
    page = await fetchPage(page.nextPageToken);
    items.push(...page[field]);
  }
  return { ...page, [field]: items.slice(0, limit), nextPageToken: "" };
}
