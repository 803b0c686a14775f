import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { navigate } from "./router.js";

/** An in-app link: a real `<a href>` (open in a new tab works), navigating without a reload. */
export function Link(props: { href: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? "page" : undefined}
      onClick={(event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

/** The server's refusal, shown beside the action that caused it (announced to screen readers). */
export function ErrorNote(props: { message: string }) {
  if (!props.message) return null;
  return (
    <p class="error" role="alert">
      {props.message}
    </p>
  );
}

/** An on/off switch: a button with role switch, labelled, one click to flip. */
export function Switch(props: { checked: boolean; label: string; disabled?: boolean; onChange?: (checked: boolean) => void }) {
  return (
    <button
      type="button"
      role="switch"
      class="switch"
      aria-checked={props.checked}
      aria-label={props.label}
      disabled={props.disabled}
      onClick={() => props.onChange?.(!props.checked)}
    >
      <span class="switch-track" aria-hidden="true">
        <span class="switch-thumb" />
      </span>
      <span class="switch-text">{props.checked ? "On" : "Off"}</span>
    </button>
  );
}

/** A read-only on/off badge, for readers and for lists of values. */
export function OnOff(props: { on: boolean }) {
  return <span class={props.on ? "badge on" : "badge off"}>{props.on ? "On" : "Off"}</span>;
}

/** Previous/next buttons over token-paged lists. */
export function Pager(props: { page: number; hasNext: boolean; onPrevious: () => void; onNext: () => void; label: string }) {
  if (props.page === 0 && !props.hasNext) return null;
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" disabled={props.page === 0} onClick={props.onPrevious}>
        ← Previous
      </button>
      <span>Page {props.page + 1}</span>
      <button type="button" disabled={!props.hasNext} onClick={props.onNext}>
        Next →
      </button>
    </nav>
  );
}

/**
 * A destructive action confirmed by typing the name: the button stays disabled until the text matches, so a
 * stray click or Enter deletes nothing.
 */
export function ConfirmByName(props: { name: string; action: string; consequence: string; onConfirm: () => Promise<void> | void; error?: string }) {
  const [typed, setTyped] = useState("");
  const id = `confirm-${props.action.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <form
      class="confirm"
      onSubmit={(event) => {
        event.preventDefault();
        if (typed === props.name) void props.onConfirm();
      }}
    >
      <p>{props.consequence}</p>
      <label for={id}>
        Type <code>{props.name}</code> to confirm
      </label>
      <div class="row">
        <input id={id} value={typed} autocomplete="off" spellcheck={false} onInput={(e) => setTyped(e.currentTarget.value)} />
        <button type="submit" class="danger" disabled={typed !== props.name}>
          {props.action}
        </button>
      </div>
      <ErrorNote message={props.error ?? ""} />
    </form>
  );
}

/** A labelled search box. */
export function SearchBox(props: { id: string; label: string; value: string; placeholder?: string; onInput: (value: string) => void }) {
  return (
    <div class="search">
      <label for={props.id}>{props.label}</label>
      <input id={props.id} type="search" value={props.value} placeholder={props.placeholder} autocomplete="off" onInput={(e) => props.onInput(e.currentTarget.value)} />
    </div>
  );
}

/** A section of a screen with its heading. */
export function Panel(props: { title: string; children: ComponentChildren; actions?: ComponentChildren; id?: string }) {
  const headingId = `${props.id ?? props.title.replace(/\W+/g, "-").toLowerCase()}-heading`;
  return (
    <section class="panel" aria-labelledby={headingId}>
      <header class="panel-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}
