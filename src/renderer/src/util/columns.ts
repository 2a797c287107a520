/** Table column builders shared by the views' data tables. */
import { h, type VNode } from 'vue'
import type { DataTableColumns } from 'naive-ui'

/**
 * A right-aligned number column (`text` of a row in a `num` span, tagged `data-test=<testPrefix><key>` when a
 * prefix is given); sortable when `order` is given.
 */
export function numberColumn<T>(
  title: string | (() => VNode),
  key: string,
  width: number,
  text: (r: T) => string,
  order?: (r: T) => number,
  testPrefix?: string
): DataTableColumns<T>[number] {
  return {
    title,
    key,
    width,
    align: 'right',
    ...(order ? { sorter: (a: T, b: T) => order(a) - order(b) } : {}),
    render: (r: T) =>
      h('span', { class: 'num', ...(testPrefix ? { 'data-test': `${testPrefix}${key}` } : {}) }, text(r))
  }
}
