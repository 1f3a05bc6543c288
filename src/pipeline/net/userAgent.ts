/** The User-Agent every request to arXiv carries, with the contact address arXiv asks for when one is set. */
import { version } from '../../version';

export function userAgent(env: NodeJS.ProcessEnv = process.env): string {
  const contact = env['MINIASTROLM_CONTACT'];
  return `MiniAstroLM/${version} (arXiv abstract ingest for a VS Code explainer; ${contact ? `mailto:${contact}` : 'no contact set: MINIASTROLM_CONTACT'})`;
}
