// `npm run icon`: rasterises media/icon.svg into media/icon.png (256 × 256), the VSIX manifest's icon, with resvg.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';

const media = path.resolve(import.meta.dirname, '..', 'media');
const svg = readFileSync(path.join(media, 'icon.svg'), 'utf8');
const png = new Resvg(svg, { fitTo: { mode: 'width', value: 256 } }).render().asPng();
writeFileSync(path.join(media, 'icon.png'), png);
console.log(`media/icon.png: 256 × 256, ${png.length} bytes`);
