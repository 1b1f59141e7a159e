// The page's English and Korean catalogues (public/i18n.js, a browser module) are complete and agree:
// same keys, same {placeholders}, an entry for every journal kind the server produces, and both languages
// explain the Kafka znodes.

import { describe, expect, it } from 'vitest';

import { JOURNAL_KINDS, type ZooKeeperRole } from './state.ts';

interface I18n {
  CATALOGUES: Record<'en' | 'ko', Record<string, string>>;
  GLOSSARY: string[][];
  znodeHelp(path: string, lang: string): string | null;
  format(text: string, params: Record<string, unknown>): string;
}

// A plain browser ES module: imported by path so TypeScript does not look for its types.
const MODULE: string = new URL('./public/i18n.js', import.meta.url).href;
const i18n = (await import(MODULE)) as I18n;

const placeholders = (text: string): string[] =>
  [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the EN/KO catalogues', () => {
  const { en, ko } = i18n.CATALOGUES;

  it('have the same keys and the same placeholders', () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en))
      expect([key, placeholders(ko[key])]).toEqual([key, placeholders(en[key])]);
  });

  it('say something for every journal kind the server produces', () => {
    for (const kind of [...JOURNAL_KINDS, 'heal-all']) {
      expect(en, kind).toHaveProperty([`event.${kind}`]);
      expect(ko, kind).toHaveProperty([`event.${kind}`]);
    }
  });

  it('name and explain every ZooKeeper role the server shapes', () => {
    const roles: ZooKeeperRole[] = [
      'LEADING',
      'FOLLOWING',
      'LOOKING',
      'OBSERVING',
      'STANDALONE',
      'PAUSED',
      'DOWN',
      'UNKNOWN',
    ];
    for (const role of roles) {
      for (const catalogue of [en, ko]) {
        expect(catalogue, role).toHaveProperty([`role.${role}`]);
        expect(catalogue, role).toHaveProperty([`role.help.${role}`]);
      }
    }
  });

  it('explain the Kafka znodes in both languages', () => {
    for (const path of [
      '/brokers/ids',
      '/brokers/ids/3',
      '/controller',
      '/controller_epoch',
      '/brokers/topics/orders',
      '/brokers/topics/orders/partitions/0/state',
      '/isr_change_notification',
      '/isr_change_notification/isr_change_0000000001',
      '/admin/delete_topics',
      '/config',
      '/config/topics/orders',
    ]) {
      const english = i18n.znodeHelp(path, 'en');
      const korean = i18n.znodeHelp(path, 'ko');
      expect(english, path).toBeTruthy();
      expect(korean, path).toBeTruthy();
      expect(korean).toMatch(/[가-힣]/);
    }
    expect(i18n.znodeHelp('/controller', 'en')).toMatch(/ephemeral/);
    expect(i18n.znodeHelp('/my-app/lock', 'en')).toBeNull();
  });

  it('the glossary gives every term in both languages', () => {
    expect(i18n.GLOSSARY.length).toBeGreaterThan(15);
    for (const [english, korean, meaningEn, meaningKo] of i18n.GLOSSARY) {
      expect(english && korean && meaningEn && meaningKo).toBeTruthy();
      expect(meaningKo).toMatch(/[가-힣]/);
    }
  });

  it('format fills placeholders and shows null as a dash', () => {
    expect(i18n.format(en['event.controller-moved'], { from: null, to: 'broker2', epoch: 3 })).toBe(
      'Controller moved: — → broker2 (controller epoch 3)',
    );
    expect(i18n.format('{a} {b}', { a: ['x', 'y'] })).toBe('x, y {b}');
  });
});
