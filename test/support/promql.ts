// PromQL checks without a Prometheus: Prometheus's own Lezer grammar (the one its web UI
// uses) parses each query, and a walk over the tree finds the metrics it selects and
// the labels it matches, groups and prints. Best effort by design: it infers which labels
// a result carries for the operators the dashboards use and answers "unknown" for the
// rest, so it never rejects a valid query it does not understand. Whether a query
// returns data is the live test's question (a real Prometheus), not this file's.
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Metric name → every label its series can carry (scrape labels included). */
export type MetricLabels = ReadonlyMap<string, ReadonlySet<string>>;

export interface PromqlAnalysis {
  /** Syntax errors, each with its column and the text around it. */
  readonly syntaxErrors: string[];
  /** Metric names the query selects, in order of appearance. */
  readonly metrics: string[];
  /** Unknown metrics, and labels matched or grouped by that the metrics do not have. */
  readonly problems: string[];
  /** Labels the result carries, or undefined where the walk cannot tell. */
  readonly outputLabels: ReadonlySet<string> | undefined;
}

type Labels = ReadonlySet<string> | undefined;

/** Functions whose result keeps the labels of their (only) vector argument. */
const LABEL_PRESERVING = new Set([
  'Rate',
  'Irate',
  'Increase',
  'Delta',
  'Idelta',
  'Deriv',
  'Abs',
  'Ceil',
  'Floor',
  'Round',
  'Clamp',
  'ClampMin',
  'ClampMax',
  'AvgOverTime',
  'MaxOverTime',
  'MinOverTime',
  'SumOverTime',
  'LastOverTime',
  'QuantileOverTime',
]);

class Walk {
  readonly metrics: string[] = [];
  readonly problems: string[] = [];

  constructor(
    private readonly text: string,
    private readonly known: MetricLabels,
  ) {}

  /** The labels `node`'s result carries; records problems found on the way. */
  labels(node: SyntaxNode): Labels {
    switch (node.name) {
      case 'PromQL':
      case 'ParenExpr':
      case 'MatrixSelector':
      case 'SubqueryExpr':
      case 'OffsetExpr':
        return node.firstChild ? this.labels(node.firstChild) : undefined;
      case 'VectorSelector':
        return this.selector(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      case 'FunctionCall':
        return this.call(node);
      case 'BinaryExpr':
        return this.binary(node);
      case 'NumberDurationLiteral':
      case 'StringLiteral':
        return new Set();
      default:
        this.visitChildren(node);
        return undefined;
    }
  }

  private visitChildren(node: SyntaxNode): void {
    for (let child = node.firstChild; child; child = child.nextSibling) this.labels(child);
  }

  private textOf(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  private selector(node: SyntaxNode): Labels {
    const identifier = node.getChild('Identifier');
    if (!identifier) return undefined;
    const metric = this.textOf(identifier);
    this.metrics.push(metric);
    const labels = this.known.get(metric);
    if (!labels) {
      this.problems.push(`unknown metric ${metric}`);
      return undefined;
    }
    const matchers = node.getChild('LabelMatchers');
    for (const matcher of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
      const name = this.textOf(matcher.getChild('LabelName') ?? matcher);
      if (!labels.has(name)) this.problems.push(`${metric} has no label ${name}`);
    }
    return labels;
  }

  private aggregate(node: SyntaxNode): Labels {
    const body = node.getChild('FunctionCallBody');
    const inner = body ? this.args(body).at(-1) : undefined;
    const modifier = node.getChild('AggregateModifier');
    if (!modifier) return new Set();
    const grouped = this.groupingLabels(modifier);
    this.expectLabels(grouped, inner, `${this.textOf(node.firstChild ?? node)} by`);
    if (modifier.getChild('Without')) {
      return inner ? new Set([...inner].filter((label) => !grouped.includes(label))) : undefined;
    }
    return new Set(grouped);
  }

  private call(node: SyntaxNode): Labels {
    const fn = node.getChild('FunctionIdentifier')?.firstChild?.name ?? '';
    const body = node.getChild('FunctionCallBody');
    const operands = body ? this.args(body) : [];
    if (fn === 'Vector') return new Set();
    if (fn === 'HistogramQuantile') {
      const inner = operands.at(-1);
      if (inner && !inner.has('le'))
        this.problems.push('histogram_quantile over labels without le');
      return inner ? new Set([...inner].filter((label) => label !== 'le')) : undefined;
    }
    return LABEL_PRESERVING.has(fn) ? operands.at(-1) : undefined;
  }

  private args(body: SyntaxNode): Labels[] {
    const operands: Labels[] = [];
    for (let child = body.firstChild; child; child = child.nextSibling) {
      if (child.name === 'NumberDurationLiteral' || child.name === 'StringLiteral') {
        this.labels(child);
        continue;
      }
      operands.push(this.labels(child));
    }
    return operands;
  }

  private binary(node: SyntaxNode): Labels {
    const left = node.firstChild;
    const right = node.lastChild;
    if (!left || !right) return undefined;
    const leftLabels = this.labels(left);
    const rightLabels = this.labels(right);
    const matching = node.getChild('MatchingModifierClause');
    const groupings = matching?.getChildren('GroupingLabels') ?? [];
    const on = groupings[0] ? this.labelList(groupings[0]) : [];
    if (matching?.getChild('On')) {
      this.expectLabels(on, leftLabels, 'on (left side)');
      this.expectLabels(on, rightLabels, 'on (right side)');
    }
    const grouped = groupings[1] ? this.labelList(groupings[1]) : [];
    this.expectLabels(grouped, rightLabels, 'group_left');
    if (node.getChild('Or') || node.getChild('Unless')) {
      if (node.getChild('Unless')) return leftLabels;
      return leftLabels && rightLabels ? new Set([...leftLabels, ...rightLabels]) : undefined;
    }
    if (leftLabels && left.name === 'NumberDurationLiteral') return rightLabels;
    return leftLabels ? new Set([...leftLabels, ...grouped]) : undefined;
  }

  private groupingLabels(modifier: SyntaxNode): string[] {
    const list = modifier.getChild('GroupingLabels');
    return list ? this.labelList(list) : [];
  }

  private labelList(list: SyntaxNode): string[] {
    return list.getChildren('LabelName').map((label) => this.textOf(label));
  }

  private expectLabels(wanted: readonly string[], available: Labels, where: string): void {
    if (!available) return;
    for (const label of wanted)
      if (!available.has(label)) this.problems.push(`${where} (${label}): no such label here`);
  }
}

function syntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (!node.type.isError) return;
      const around = expr.slice(Math.max(0, node.from - 15), node.from + 15);
      errors.push(`column ${node.from + 1}: near «${around}»`);
    },
  });
  return errors;
}

export function analysePromql(expr: string, known: MetricLabels): PromqlAnalysis {
  const errors = syntaxErrors(expr);
  const walk = new Walk(expr, known);
  const outputLabels = errors.length ? undefined : walk.labels(parser.parse(expr).topNode);
  return { syntaxErrors: errors, metrics: walk.metrics, problems: walk.problems, outputLabels };
}
