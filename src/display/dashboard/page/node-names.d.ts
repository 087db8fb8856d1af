// The model's event types name signals with Node's type; the page only shows them, as text.
declare namespace NodeJS {
  type Signals = string;
}
