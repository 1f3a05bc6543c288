/**
 * The curation sidebar's message protocol: the one file of types that the extension host (curationView.ts) and
 * the page (media/curation/main.ts) both import. The page speaks first (`ready`); the host answers each query.
 */
import type {
  CurationDetailResult,
  CurationFilter,
  CurationPage,
  CurationStats,
} from '../../engine/protocol';

export type HostMessage =
  | { type: 'page'; page: CurationPage; filter: CurationFilter; search: string; offset: number }
  | { type: 'detail'; paperId: string; result: CurationDetailResult }
  | { type: 'stats'; stats: CurationStats }
  | { type: 'notice'; text: string; kind: 'info' | 'error' }
  /** The database changed elsewhere (a teacher run, an import): the page asks again. */
  | { type: 'refresh' };

export type PageMessage =
  | { type: 'ready' }
  | { type: 'query'; filter: CurationFilter; search: string; offset: number }
  | { type: 'select'; paperId: string }
  | {
      type: 'decide';
      paperId: string;
      decision: 'accept' | 'reject' | 'clear';
      /** An edited explanation (accept only). */
      explanation: string | null;
    }
  | { type: 'stats' };
