/** The shape every source of abstracts (arXiv API, OAI-PMH, imported files) is normalised into. */
export interface Paper {
  /** arXiv identifier without version: `2501.01234` or `astro-ph/0601001`. */
  id: string;
  /** Version number from the feed (`v2` → 2); null where the source does not say (OAI-PMH, imports). */
  version: number | null;
  /** Whitespace-normalised title, LaTeX kept. */
  title: string;
  /** Whitespace-normalised abstract, LaTeX kept. */
  abstract: string;
  authors: string[];
  /** All categories, primary first when known. */
  categories: string[];
  primaryCategory: string | null;
  /** ISO 8601 timestamps, as the source gives them (first version / latest version). */
  published: string | null;
  updated: string | null;
  doi: string | null;
  journalRef: string | null;
  comment: string | null;
}

/** One page of an arXiv API search result. */
export interface AtomPage {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  entries: Paper[];
  /** The line each entry starts on, for messages about one entry. */
  entryLines?: number[];
}
