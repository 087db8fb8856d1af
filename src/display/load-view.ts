// Each view is imported only by the run that uses it, so startup pays for one.
import type { ViewFormat } from './format.js';
import type { View, ViewOptions } from './view.js';

export async function loadView(format: ViewFormat, options: ViewOptions): Promise<View> {
  switch (format) {
    case 'json':
      return new (await import('./json.js')).JsonView(options);
    case 'none':
      return new (await import('./none.js')).NoneView();
    case 'plain':
      return new (await import('./plain.js')).PlainView(options);
    case 'rich':
      return new (await import('./rich/rich-view.js')).RichView(options);
  }
}
