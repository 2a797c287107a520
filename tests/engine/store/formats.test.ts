/** The store's text formats: metrics.jsonl lines and samples.csv, as tables of input → result or error. */
import { describe, expect, it } from 'vitest'
import { formatSamplesCsv, parseMetricsLog, parseSamplesCsv } from '../../../src/engine/store'

describe('metrics.jsonl', () => {
  const cases: { name: string; text: string; steps: number[]; warnings: string[] }[] = [
    { name: 'empty', text: '', steps: [], warnings: [] },
    {
      name: 'two lines',
      text: '{"step":1,"loss":1,"time":1}\n{"step":2,"loss":1,"time":2}\n',
      steps: [1, 2],
      warnings: []
    },
    {
      name: 'CRLF and blank lines',
      text: '{"step":1,"loss":1,"time":1}\r\n\r\n{"step":2,"loss":1,"time":2}\r\n',
      steps: [1, 2],
      warnings: []
    },
    {
      name: 'torn last line',
      text: '{"step":1,"loss":1,"time":1}\n{"step":2,"lo',
      steps: [1],
      warnings: ['metrics.jsonl line 2 is incomplete (the writer stopped mid-line); skipped.']
    },
    {
      name: 'complete last line without its newline',
      text: '{"step":1,"loss":1,"time":1}\n{"step":2,"loss":1,"time":2}',
      steps: [1, 2],
      warnings: []
    },
    {
      name: 'garbage in the middle',
      text: '{"step":1,"loss":1,"time":1}\n#!?\n{"step":3,"loss":1,"time":3}\n',
      steps: [1, 3],
      warnings: ['metrics.jsonl line 2 is not valid JSON; skipped.']
    },
    {
      name: 'wrong field',
      text: '{"step":-1,"loss":1,"time":1}\n{"step":2,"loss":"x","time":2}\n{"step":3,"loss":1,"time":3}\n',
      steps: [3],
      warnings: [
        'metrics.jsonl line 1: field "step": Too small: expected number to be >=0; skipped.',
        'metrics.jsonl line 2: field "loss": expected number, received string; skipped.'
      ]
    }
  ]
  it.each(cases)('$name', ({ text, steps, warnings }) => {
    const log = parseMetricsLog(text)
    expect(log.records.map((r) => r.step)).toEqual(steps)
    expect(log.warnings).toEqual(warnings)
  })

  it('reads a NaN loss (written as null) back as NaN', () => {
    const line = JSON.stringify({ step: 5, loss: NaN, time: 1, metrics: { mmd: NaN } })
    expect(line).toContain('"loss":null')
    const { records, warnings } = parseMetricsLog(line + '\n')
    expect(warnings).toEqual([])
    expect(records[0]!.loss).toBeNaN()
    expect(records[0]!.metrics!.mmd).toBeNaN()
  })
})

describe('samples.csv', () => {
  it('round-trips odd column names and special values', () => {
    const columns = ['x', 'a,b', 'say "hi"', ' padded ']
    const data = new Float32Array([1, NaN, Infinity, -Infinity, 1e-30, -0, 3.4e38, 0.1])
    const text = formatSamplesCsv(columns, { n: 2, d: 4, data })
    expect(text.split('\n')[0]).toBe('x,"a,b","say ""hi"""," padded "')
    const back = parseSamplesCsv(text)
    expect(back.columns).toEqual(columns)
    expect(back.points.n).toBe(2)
    expect(Array.from(back.points.data)).toEqual(Array.from(data))
  })

  it('writes an empty sample as a header alone', () => {
    const text = formatSamplesCsv(['x', 'y'], { n: 0, d: 2, data: new Float32Array(0) })
    expect(text).toBe('x,y\n')
    expect(parseSamplesCsv(text).points).toEqual({ n: 0, d: 2, data: new Float32Array(0) })
  })

  const bad: [string, RegExp][] = [
    ['', /samples\.csv is empty/],
    ['x,y\n1,2\n3\n', /samples\.csv line 3: 1 values, expected 2/],
    ['x,y\n1,abc\n', /samples\.csv line 2, column 2: "abc" is not a number/],
    ['x,y\n1,\n', /samples\.csv line 2, column 2: "" is not a number/],
    ['"x,y\n1\n', /samples\.csv line 1: unterminated quoted field/]
  ]
  it.each(bad)('rejects %j', (text, msg) => {
    expect(() => parseSamplesCsv(text)).toThrow(msg)
  })

  it('refuses a column name with a line break', () => {
    expect(() => formatSamplesCsv(['a\nb'], { n: 0, d: 1, data: new Float32Array(0) })).toThrow(/line break/)
  })
})
