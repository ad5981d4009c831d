// A seed file (`vlens-mock --seed-file`, `startMock({ seedFile })`): a JSON seed document, several
// tenants' states under their ApiKeys, which the engine loads as its `initialState` before it serves
// (mocks/store/state.js checks it). Here it is only read and parsed.
import { readFileSync } from 'node:fs';

/** @import { SeedDocument } from '../types.js' */

/**
 * The seed document in a file. Throws a TypeError naming the file and what is wrong with reading it
 * (a missing file, JSON that does not parse); what is wrong inside it is found when it loads.
 * @param {string} path
 * @returns {SeedDocument}
 */
export function readSeedFile(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TypeError(`seed file ${path}: cannot read it (${/** @type {NodeJS.ErrnoException} */ (error).code ?? /** @type {Error} */ (error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TypeError(`seed file ${path}: not JSON (${/** @type {Error} */ (error).message})`);
  }
}

/**
 * A problem the engine found inside a seed file's document, said of the file.
 * @param {unknown} error
 * @param {string} path
 */
export function seedFileError(error, path) {
  if (error instanceof TypeError && error.message.startsWith('initialState: ')) return new TypeError(`seed file ${path}: ${error.message.slice('initialState: '.length)}`);
  return error;
}
