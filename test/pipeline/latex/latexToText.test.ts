import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseBib } from '../../../src/pipeline/latex/bib';
import { latexToText } from '../../../src/pipeline/latex/latexToText';
import { parseTex } from '../../../src/pipeline/latex/tex';
import { needRealdata } from '../../helpers/realdata';

/** Hand-checked: each input with the text a reader (and the model) should get. */
const cases: [string, string][] = [
  // Accents and letters
  [
    String.raw`M\"uller {\"u} \'e \H{o} \c{c} \v{s} \ss\ \o\ \aa{} {\'\i} \AA{} \l{}`,
    'Müller ü é ő ç š ß ø å í Å ł',
  ],
  [
    String.raw`Erd\'{e}lyi, T\"urkenschanzstrasse, Sip{\H{o}}cz, G{\"u}nther, Fr{\'e}d{\'e}ric`,
    'Erdélyi, Türkenschanzstrasse, Sipőcz, Günther, Frédéric',
  ],
  // Spaces and escaped characters
  [String.raw`a~b\,c\;d\ e \% \& \$ \_ \#`, 'a b c d e % & $ _ #'],
  // A tie joins words; a tilde after a blank and before a number is arXiv's plain-text "approximately"
  [
    'Fig.~2, Pop.~III, sizes of ~22 AU (~0.8 micron), at ~ 5',
    'Fig. 2, Pop. III, sizes of ~22 AU (~0.8 micron), at 5',
  ],
  // Dropped: notes, labels, references, citations (with their optional arguments and a line break inside)
  [
    String.raw`text\footnote{a note} here\label{sec:x}. See Fig.~\ref{f1} and Eq.~\eqref{e2}`,
    'text here. See Fig. and Eq.',
  ],
  [
    String.raw`formation process \citep[e.g.][p.~2]{a, b}. Next, \citet*{c} found \citealt{d,
      e} too`,
    'formation process. Next, found too',
  ],
  [
    String.raw`\cite{x} \citeauthor{y} \citeyear{z} \parencite{p} \textcite{q} \autocite[see][]{r}done`,
    'done',
  ],
  // Formatting keeps its text
  [
    String.raw`\textbf{bold} \emph{em} \textit{it} $\mathrm{x}$ {\bf old} \textsc{caps}`,
    'bold em it x old caps',
  ],
  // siunitx
  [String.raw`\SI{2}{Myr} old`, '2 Myr old'],
  [String.raw`$\SI{1.6e-3}{\erg\per\second\per\square\cm}$`, '1.6×10^-3 erg s^-1 cm^-2'],
  [String.raw`$\Sigma = \SI{e-12}{\gram\per\square\cm}$`, 'Σ = 10^-12 g cm^-2'],
  [
    String.raw`\SI{60}{\percent}, \si{\kilo\metre\per\second}, \num{12345}, \SIrange{1}{2}{Myr}, \SI{1}{\Msun}`,
    '60%, km s^-1, 12345, 1–2 Myr, 1 M☉',
  ],
  [String.raw`$\SI{1E-5}{M_\odot yr^{-1}}$`, '1×10^-5 M☉ yr^-1'],
  // Math made readable
  [String.raw`in $\sim 60\%$ of stars`, 'in ~60% of stars'],
  ['$10^{5}$ yr, $10^{-3}$, $x^{a+b}$', '10^5 yr, 10^-3, x^(a+b)'],
  [String.raw`$\alpha$, $M_\odot$, $M_{\odot}$, $R_\oplus$, $30^\circ$`, 'α, M☉, M☉, R⊕, 30°'],
  [
    String.raw`$\lesssim 3$, $2\times 3$, $1 \pm 2$, $a \approx b$, $c \simeq d$, $x \gtrsim 1$`,
    '≲3, 2×3, 1 ± 2, a ≈ b, c ≈ d, x ≳ 1',
  ],
  [
    String.raw`$G_0 \approx 1000$ and $10^{-9} \lesssim M/M_{\odot} \lesssim 10^{4}$`,
    'G_0 ≈ 1000 and 10^-9 ≲ M/M☉ ≲ 10^4',
  ],
  [String.raw`$-14 \leq \lg \rho / \mathrm{[g\, cm^{-3}]} \leq 0 $`, '-14 ≤ lg ρ / [g cm^-3] ≤ 0'],
  [
    String.raw`$\frac{1}{2}$, $\frac{a+b}{c}$, $\sqrt{x}$, $E_{\rm tot}$, $\Sigma_{\mathrm{edge}}$`,
    '1/2, (a+b)/c, √x, E_tot, Σ_edge',
  ],
  [String.raw`\begin{equation} x^2 \label{eq} \end{equation} after`, 'x^2 after'],
  // Journals and the AASTeX logo
  [String.raw`\aap, \apj, \apjl, \mnras, \araa, \nat`, 'A&A, ApJ, ApJL, MNRAS, ARA&A, Nature'],
  [String.raw`a history of \aastex\ and \LaTeX{} files`, 'a history of AASTeX and LaTeX files'],
  // Unknown macros keep their argument's text and lose their name
  [String.raw`\unknownmacro{kept} \foo bar \note{X} \colorbox{yellow}{shown}`, 'kept bar X shown'],
  [
    String.raw`\href{https://example.org}{the site} and \url{https://arxiv.org/abs/2501.01234}`,
    'the site and https://arxiv.org/abs/2501.01234',
  ],
  // Comments (as in .tex) end at the line break and take the next line's indentation with them
  ['first % a comment\n   second', 'first second'],
  // Dashes and quotes
  ["``quoted'' and `single' -- and --- dash", '"quoted" and \'single\' – and — dash'],
  // Zotero's escaped LaTeX and old ADS titles
  [
    String.raw`(\$\textbackslash sim26\$\textasciitilde mag at \$5\textbackslash sigma\$) \$\textbackslash sim80\textbackslash\%\$ \textbackslash textsl\textbraceleft SDSS-V\textbraceright{} data`,
    '(~26 mag at 5σ) ~80% SDSS-V data',
  ],
  [String.raw`DEUS-PUR $\{$$\backslash$Lambda$\}$CDM simulations`, 'DEUS-PUR ΛCDM simulations'],
  [String.raw`limits on f\_$\{$NL$\}$\^{}$\{$local$\}$ from`, 'limits on f_NL^local from'],
  [String.raw`Compton \$Y\$ and \$u-r\$ colour, 5 {$<$} z`, 'Compton Y and u-r colour, 5 < z'],
  [String.raw`Nguy{\textbackslash}{\textasciitilde}{\^e}n`, 'Nguyễn'],
  [
    String.raw`sizes {$\lessequivlnt$}1.4 kpc, \textasciitilde{}0.1 M\textsubscript{solar}`,
    'sizes ≲1.4 kpc, ~0.1 M_solar',
  ],
];

test('latexToText gives the hand-checked plain text', () => {
  for (const [latex, expected] of cases) assert.equal(latexToText(latex), expected, latex);
});

test('a bare % is a percent sign when comments are off (.bib values, imported abstracts)', () => {
  assert.equal(latexToText('about 60% of the 5% sample', { comments: false }), 'about 60% of the 5% sample');
  assert.equal(latexToText('about 60% of the 5% sample'), 'about 60');
});

test("the real abstracts' tricky bits: the MNRAS draft's \\note{} and \\SI, A&A's groups", (t) => {
  const mnrasFile = needRealdata(t, 'tex', 'mnras_concha2019_photoevap_draft.tex');
  const aandaFile = needRealdata(t, 'tex', 'aanda_edp_aa.dem.tex');
  if (!mnrasFile || !aandaFile) return;
  const mnras = readFileSync(mnrasFile, 'utf8');
  const [abstract] = parseTex(mnras).abstracts;
  assert.match(
    abstract!.text,
    /with N=X stars in a Plummer sphere with virial radius Y pc\. We evolved these clusters for Z Myr,/,
  );
  assert.ok(abstract!.text.endsWith('at the end of the simulations. We find that...'));
  // \SI in the body of the same draft (line 117, line 119's footnote is dropped with its \SI).
  const intro = mnras.split('\n')[116]!;
  const text = latexToText(intro);
  assert.match(
    text,
    /Star forming regions less than 2 Myr old have been observed to have protoplanetary disks in ~60% of/,
  );
  assert.match(text, /quickly in circumstellar disks \(< 0\.1 - 1 Myr,\), understanding/);
  assert.doesNotMatch(text, /williams2011|citep/);

  const [aanda] = parseTex(readFileSync(aandaFile, 'utf8')).abstracts;
  assert.equal(aanda!.form, 'aanda');
  assert.ok(
    aanda!.text.startsWith(
      "To investigate the physical nature of the 'nucleated instability' of proto giant",
    ),
  );
  assert.match(
    aanda!.text,
    /universal for a given composition\. The stability equations of state are calculated/,
  );
  assert.match(
    aanda!.text,
    /displayed in the domain -14 ≤ lg ρ \/ \[g cm\^-3\] ≤ 0, 8\.8 ≤ lg e \/ \[erg g\^-1\] ≤ 17\.7\./,
  );
  assert.match(aanda!.text, /\(ρ,e\)-plane/);
  assert.ok(aanda!.text.endsWith("The κ-mechanism is widespread under 'cool' conditions."));
});

test('no LaTeX command survives latexToText over every real abstract and title', (t) => {
  const texFiles = [
    'aanda_edp_aa.dem.tex',
    'aanda_griffiths2013_solareigen.tex',
    'aastex63_sample63.tex',
    'jcap_conhep_whitepaper_mainOLD.tex',
    'mnras_concha2019_photoevap_draft.tex',
  ];
  const bibFiles = [
    'aastex63_sample63.bib',
    'ads_cosmobib_cosmo_preprints.bib',
    'bibmanager_sample.bib',
    'inspire_conhep_biblioOLD.bib',
    'zotero_concha2019_references.bib',
    'zotero_straw674_library_prefix.bib',
  ];
  const texts: string[] = [];
  for (const name of texFiles) {
    const file = needRealdata(t, 'tex', name);
    if (!file) return;
    const doc = parseTex(readFileSync(file, 'utf8'));
    texts.push(...doc.abstracts.map((a) => a.text), doc.title ?? '');
  }
  for (const name of bibFiles) {
    const file = needRealdata(t, 'bib', name);
    if (!file) return;
    for (const entry of parseBib(readFileSync(file, 'utf8')).entries) {
      texts.push(entry.abstract ?? '', entry.title ?? '', ...entry.authors);
    }
  }
  // arXiv's own abstracts, as `import` stores them (LaTeX kept): the same function reads them.
  const jsonl = needRealdata(t, 'abstracts', 'miniastrogpt_val_data.jsonl');
  if (!jsonl) return;
  for (const line of readFileSync(jsonl, 'utf8').split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { abstract: string; title: string };
    texts.push(
      latexToText(record.abstract, { comments: false }),
      latexToText(record.title, { comments: false }),
    );
  }
  assert.ok(texts.filter((s) => s !== '').length > 1000, `only ${texts.length} texts`);
  const leaks = texts.filter((s) => /\\[A-Za-z]/.test(s)).map((s) => /.{0,30}\\[A-Za-z]+.{0,20}/.exec(s)![0]);
  assert.deepEqual(leaks, []);
  // Nor do the dollars that only mean something to TeX (a `$` before a digit may be money; `\{` is a brace).
  assert.deepEqual(
    texts.filter((s) => /\$[^\d\s]/.test(s)).map((s) => /.{0,30}\$[^\d\s].{0,20}/.exec(s)![0]),
    [],
  );
});
