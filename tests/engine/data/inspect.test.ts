import { describe, expect, it } from 'vitest'
import { indexRanges, inspectHead } from '../../../src/engine/data/inspect'
import { parseDatasetBytes, tooFewRowsMessage } from '../../../src/engine/data'

const wine =
  'Wine recognition data, 178 samples\n' +
  'alcohol,malic,ash,class\n' +
  Array.from({ length: 12 }, (_, i) => `${13 + i / 10},${1.7 + i / 100},2.4,${['a', 'b', 'c'][i % 3]}`).join(
    '\n'
  ) +
  '\n'

describe('inspectHead: what the importer will make of a file', () => {
  it('finds a title line to skip, the header and a text label column, and the settings that import it', () => {
    const r = inspectHead(wine, 'wine.csv')
    expect(r).toMatchObject({
      format: 'text',
      delimiter: 'comma',
      skipRows: 1,
      headerLine: 2,
      columnsSpec: '0-2',
      columns: [
        { name: 'alcohol', numeric: true },
        { name: 'malic', numeric: true },
        { name: 'ash', numeric: true },
        { name: 'class', numeric: false, example: 'a' }
      ]
    })
    expect(r.lines[0]).toBe('Wine recognition data, 178 samples')
    expect(r.notes).toEqual([
      'Cells are separated by commas: 4 columns.',
      'Line 1 is not part of the table ("Wine recognition data, 178 sam…"): skip 1 row.',
      'Line 2 is a header: its names label the columns.',
      'Column "class" (index 3, e.g. "a") holds text, not numbers: keep columns 0-2 (0-based).'
    ])
    // The suggestion is what the importer needs: without it the file fails, with it it imports.
    const bytes = Buffer.from(wine)
    expect(() => parseDatasetBytes(bytes, 'wine.csv')).toThrow()
    expect(
      parseDatasetBytes(bytes, 'wine.csv', { skipRows: r.skipRows, columns: r.columnsSpec! })
    ).toMatchObject({
      n: 12,
      d: 3,
      columns: ['alcohol', 'malic', 'ash']
    })
  })

  it('a plain numeric table needs nothing; a cut last line is left out', () => {
    const r = inspectHead('1;2\n3;4\n5;6\n7;', 'p.txt', true)
    expect(r).toMatchObject({ delimiter: 'semicolon', skipRows: 0, headerLine: null, columnsSpec: null })
    expect(r.lines).toEqual(['1;2', '3;4', '5;6'])
    expect(r.notes).toContain('No header: the columns are named x0, x1, …')
  })

  it('says so for decimal commas, and shows JSON lines without a table reading; .npy has no lines', () => {
    expect(inspectHead('a;b\n1,5;2,5\n3,5;4\n', 'c.csv').notes).toContain(
      'Numbers are written with decimal commas (1,5): save the file with decimal points.'
    )
    expect(inspectHead('[[1,2],\n[3,4]]', 'r.json')).toMatchObject({
      format: 'json',
      lines: ['[[1,2],', '[3,4]]'],
      columns: []
    })
    expect(inspectHead('\u0093NUMPY', 'a.npy')).toMatchObject({ format: 'npy', lines: [] })
  })

  // A file with nothing to import: the inspection of the whole file says so in the importer's own words.
  it.each([
    ['empty.csv', ''],
    ['empty.npy', ''],
    ['empty.json', ''],
    ['blank.csv', '\n\n'],
    ['header.csv', 'x,y\n'],
    ['header.tsv', '\uFEFFx\ty\r\n\r\n'],
    ['notes.csv', '# exported 2025-01-01\nx,y\n']
  ])('%s with no data row: noData is the import’s error', (name, text) => {
    const r = inspectHead(text, `/some/dir/${name}`)
    // the file's name, not the folder it was chosen from
    expect(r.noData?.startsWith(`${name}: `)).toBe(true)
    expect(() => parseDatasetBytes(Buffer.from(text), name)).toThrow(r.noData!)
    // no settings to suggest, no complaint about text columns
    expect(r.notes.join(' ')).not.toContain('No column holds only numbers')
  })

  it('an empty JSON array has no data row; a head that is not the whole file, or has rows, is importable', () => {
    expect(inspectHead(' [ ]\n', 'a.json').noData).toBe('a.json: the array is empty (no data rows).')
    expect(() => parseDatasetBytes(Buffer.from(' [ ]\n'), 'a.json')).toThrow(
      'the array is empty (no data rows)'
    )
    // the head of a longer file: a lone header line may be followed by rows beyond it
    expect(inspectHead('x,y\n', 'big.csv', true).noData).toBeNull()
    expect(inspectHead('', 'big.npy', true).noData).toBeNull()
    expect(inspectHead('x,y\n1,2\n3,4\n5,6\n', 'three.csv')).toMatchObject({ noData: null, headerLine: 1 })
    expect(inspectHead('1,2\n3,4\n', 'big.csv', true).noData).toBeNull()
    expect(inspectHead(wine, 'wine.csv').noData).toBeNull()
    expect(inspectHead('[[1,2]]', 'r.json').noData).toBeNull()
  })

  it('a whole file of 1 or 2 rows is refused in the words the import uses (a run needs 3)', () => {
    const one = inspectHead('x,y\n1,2\n', '/d/one.csv')
    expect(one).toMatchObject({ headerLine: 1, noData: tooFewRowsMessage('one.csv', 1) })
    expect(one.noData).toMatch(/^one\.csv has 1 row; a data set needs at least 3 to train/)
    expect(inspectHead('1,2\n3,4\n', 'two.csv')).toMatchObject({
      headerLine: null,
      noData: tooFewRowsMessage('two.csv', 2)
    })
    expect(tooFewRowsMessage('two.csv', 2)).toMatch(/^two\.csv has 2 rows;/)
    // a text cell: left to the import, whose error locates it (line 3, column 2)
    expect(inspectHead('x,y\n1,2\n3,abc\n', 'bad.csv').noData).toBeNull()
  })

  it('indexRanges writes the importer’s column syntax', () => {
    expect(indexRanges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8')
    expect(indexRanges([4])).toBe('4')
  })
})
