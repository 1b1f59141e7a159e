// Four-letter words (placeholder: ruok only; the full set follows).
import type { StandaloneServer } from './standalone-server.ts';

export function fourLetterWord(word: string, _server: StandaloneServer): string {
  return word === 'ruok' ? 'imok' : '';
}
