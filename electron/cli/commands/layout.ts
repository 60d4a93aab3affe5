/**
 * layout IMAGE [--json]: every byte of the image assigned to the structure that owns it, with owning
 * paths and decoded fields; padding counted, unaccounted content dumped, overlaps marked.
 * Exit codes: 0 every byte accounted for, 1 unaccounted content or overlaps, 2 unreadable.
 */
import { buildLayout } from '../../../shared/layout/index.ts';
import { layoutJson, writeLayoutText } from '../../../shared/layout/text.ts';
import { UsageError, parseOptions, type Command, type OptionSpec } from '../io.ts';
import { withImage } from '../image.ts';

const OPTIONS: OptionSpec[] = [
  { name: 'json', help: 'print the map as JSON' },
];

const command: Command = {
  usage: 'layout IMAGE [--json]',
  options: OPTIONS,
  summary: 'map every byte to its structure, path and fields; exit 1 on unaccounted bytes or overlaps',
  async run({ args, out }) {
    const { positional, flags } = parseOptions(args, OPTIONS);
    if (positional.length !== 1) throw new UsageError('needs exactly one IMAGE');
    return withImage(positional[0]!, async (r) => {
      const map = await buildLayout(r);
      const bytesAt = (o: number, l: number) => r.bytes(o, l);
      if (flags.has('json')) out.text(JSON.stringify(await layoutJson(map, bytesAt), null, 1) + '\n');
      else await writeLayoutText(map, bytesAt, (s) => out.text(s));
      return map.totals.unaccounted > 0 || map.overlaps.length > 0 ? 1 : 0;
    });
  },
};
export default command;
