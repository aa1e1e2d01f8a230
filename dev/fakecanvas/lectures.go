package fakecanvas

// lecture is a slide deck the fake renders as a PDF. Text must stay
// within Windows-1252 (the core PDF fonts): no Greek letters.
type lecture struct {
	title    string
	subtitle string
	slides   []slide
}

type slide struct {
	heading string
	bullets []string
}

func searchLecture() lecture {
	return lecture{
		title:    "Lecture 2: Solving Problems by Searching",
		subtitle: "INF-2600 AI Methods and Applications - UiT The Arctic University of Norway",
		slides: []slide{
			{"Problem-solving agents", []string{
				"A problem-solving agent plans ahead: it considers sequences of actions that form a path to a goal state before it acts.",
				"A search problem has five parts: the initial state, the actions available in each state, a transition model RESULT(s, a), a goal test and a path cost that adds up step costs.",
				"The initial state, actions and transition model define the state space, a directed graph in which nodes are states and edges are actions.",
				"A solution is an action sequence from the initial state to a goal; an optimal solution has the lowest path cost of all solutions.",
				"Abstraction removes detail that does not matter for the decision. It is valid when every abstract solution can be refined into a real one.",
			}},
			{"Uninformed search strategies", []string{
				"Breadth-first search expands the shallowest node first with a FIFO frontier. It is complete for finite branching factors and optimal when every step costs the same, but it needs O(b^d) memory.",
				"Uniform-cost search expands the node with the lowest path cost g(n). The goal test happens when a node is selected for expansion, which makes the algorithm optimal for any positive step costs.",
				"Depth-first search expands the deepest node first and needs only O(bm) memory, but it is not optimal and can run forever in infinite state spaces.",
				"Iterative deepening runs depth-limited search with limits 0, 1, 2 and so on. It combines the small memory of depth-first search with the completeness of breadth-first search and repeats surprisingly little work.",
				"Bidirectional search meets in the middle: two searches of depth d/2 generate far fewer nodes than one search of depth d.",
			}},
			{"Informed search and A*", []string{
				"A heuristic h(n) estimates the cost of the cheapest path from n to a goal, for example the straight-line distance between two towns.",
				"Greedy best-first search expands the node with the smallest h(n). It is fast when the heuristic is good but it is neither optimal nor complete.",
				"A* search orders the frontier by f(n) = g(n) + h(n), the estimated cost of the cheapest solution through n.",
				"An admissible heuristic never overestimates the true cost; with it, tree-search A* returns an optimal solution.",
				"A consistent heuristic satisfies h(n) <= c(n, a, n') + h(n') for every successor. Consistency implies admissibility and makes graph-search A* optimal.",
				"A* is optimally efficient for a given heuristic, but it keeps all generated nodes in memory. IDA* and SMA* bound the memory use.",
			}},
			{"Designing heuristics", []string{
				"For the 8-puzzle, h1 counts misplaced tiles and h2 sums the Manhattan distances of the tiles. Both are admissible, and h2 dominates h1.",
				"A dominating heuristic never makes A* expand more nodes, so we prefer the largest admissible heuristic that is cheap to compute.",
				"The exact cost of a relaxed problem, one with fewer restrictions on the actions, is always an admissible heuristic for the original problem.",
				"Pattern databases store exact costs of subproblems; the maximum of several admissible heuristics is admissible as well.",
				"The effective branching factor b* measures heuristic quality: the closer to 1, the better.",
			}},
			{"Local search", []string{
				"Local search keeps one current state and moves to neighbours. It is useful when only the final configuration matters, such as the 8-queens problem.",
				"Hill climbing gets stuck at local maxima, ridges and plateaux. Random restarts make it complete with probability approaching 1.",
				"Simulated annealing accepts a worse move with probability exp(dE / T) while the temperature T slowly decreases.",
				"Genetic algorithms keep a population of states and create new ones with selection, crossover and mutation.",
				"Exercise for the group session in Troms\u00f8: formulate route finding between the UiT campuses as a search problem and run A* by hand.",
			}},
		},
	}
}

func cspLecture() lecture {
	return lecture{
		title:    "Lecture 3: Planning and Constraint Satisfaction",
		subtitle: "INF-2600 AI Methods and Applications - UiT The Arctic University of Norway",
		slides: []slide{
			{"Constraint satisfaction problems", []string{
				"A CSP has a set of variables, a domain of possible values for each variable, and a set of constraints that restrict the combinations of values.",
				"A state is a partial assignment. A solution is a complete assignment that violates no constraint.",
				"Map colouring, Sudoku, exam timetabling and job-shop scheduling are classic CSPs.",
				"Constraints can be unary, binary or global, such as Alldiff; soft constraints or preferences turn the problem into constraint optimisation.",
				"The constraint graph connects variables that appear in the same constraint; its structure predicts how hard the problem is.",
			}},
			{"Constraint propagation", []string{
				"Node consistency: every value in a domain satisfies the unary constraints of its variable.",
				"Arc consistency: for every value of X there is some value of Y that satisfies the binary constraint between X and Y.",
				"AC-3 keeps a queue of arcs, removes unsupported values and re-queues the arcs into every variable whose domain shrank. Its running time is O(c d^3).",
				"Path consistency and k-consistency are stronger, but they cost more to enforce.",
				"If propagation empties a domain, the problem has no solution and search can stop at once.",
			}},
			{"Backtracking search", []string{
				"Backtracking search assigns one variable at a time and undoes the last assignment when a variable has no legal value left.",
				"Minimum remaining values: choose the variable with the fewest legal values. The degree heuristic breaks ties.",
				"Least constraining value: try first the value that rules out the fewest values of the neighbours.",
				"Forward checking removes inconsistent values from the neighbours after each assignment; maintaining arc consistency (MAC) propagates further.",
				"Conflict-directed backjumping returns to the variable that caused the failure, and constraint learning records no-goods to avoid repeating it.",
			}},
			{"Local search and problem structure", []string{
				"Min-conflicts local search starts from a complete assignment and repeatedly changes a conflicted variable to the value with the fewest conflicts.",
				"Min-conflicts solves the million-queens problem in a few dozen steps on average.",
				"Tree-structured CSPs can be solved in O(n d^2) time: make the arcs consistent from the leaves up, then assign values from the root down.",
				"Cutset conditioning assigns a small set of variables so that the remaining constraint graph becomes a tree.",
				"Tree decomposition groups variables into overlapping subproblems that form a tree; the tree width bounds how hard the problem is.",
			}},
			{"Classical planning", []string{
				"A planning problem is described in PDDL: states are conjunctions of ground fluents, and actions have preconditions and effects.",
				"Forward state-space search uses domain-independent heuristics such as ignore-preconditions and ignore-delete-lists.",
				"SATPlan and CSP-based planners fix a plan length T, encode the problem as a satisfiability problem and increase T until a plan is found.",
				"Hierarchical task networks refine high-level actions into primitive ones and are used in practical planners.",
			}},
		},
	}
}

func mdpLecture() lecture {
	return lecture{
		title:    "Lecture 5: Markov Decision Processes",
		subtitle: "INF-2600 AI Methods and Applications - UiT The Arctic University of Norway",
		slides: []slide{
			{"Sequential decisions under uncertainty", []string{
				"An MDP consists of states S, actions A(s), a transition model P(s' | s, a), a reward function R(s, a, s') and a discount factor gamma between 0 and 1.",
				"The Markov property: the next state depends only on the current state and action, not on the earlier history.",
				"Because outcomes are uncertain, a solution is a policy pi(s) that prescribes an action for every state, not a fixed sequence of actions.",
				"In the 4x3 grid world each move succeeds with probability 0.8 and slips sideways with probability 0.1 in each direction.",
				"The reward for non-terminal states shapes the behaviour: a large negative living reward makes the agent rush to any exit.",
				"If the history matters, the Markov property can often be restored by adding the relevant history to the state, for example the last two positions of a moving object.",
			}},
			{"Utilities and discounting", []string{
				"The utility of a state sequence is the sum of discounted rewards: R0 + gamma R1 + gamma^2 R2 + ...",
				"With bounded rewards and gamma < 1 the utility is at most Rmax / (1 - gamma), even over an infinite horizon.",
				"U^pi(s) is the expected utility of following policy pi from state s; the optimal policy maximises it for every state.",
				"With a finite horizon the optimal policy is nonstationary: the best action depends on how much time is left.",
				"Discounting can also be read as a constant probability 1 - gamma that the process stops after each step.",
				"A proper policy reaches a terminal state with probability 1, which keeps utilities finite even without discounting.",
			}},
			{"The Bellman equation", []string{
				"U(s) = max over a of the sum over s' of P(s' | s, a) [R(s, a, s') + gamma U(s')].",
				"Q(s, a) is the expected utility of taking action a in state s and acting optimally afterwards.",
				"The optimal policy is greedy with respect to Q: pi*(s) = argmax over a of Q(s, a).",
				"There are as many Bellman equations as states, but the max makes them nonlinear.",
			}},
			{"Value iteration", []string{
				"Start with U = 0 everywhere and apply the Bellman update to all states simultaneously until the utilities stop changing.",
				"The Bellman update is a contraction by a factor gamma in the max norm, so value iteration converges to the unique fixed point.",
				"Stop when the largest change is below epsilon (1 - gamma) / gamma; the utilities are then within epsilon of the optimum.",
				"The greedy policy often becomes optimal long before the utilities have converged.",
				"Asynchronous value iteration updates only some states per step, for example those the agent is likely to visit, and still converges.",
			}},
			{"Policy iteration and beyond", []string{
				"Policy evaluation solves a linear system for the utilities of a fixed policy; policy improvement makes the policy greedy with respect to them.",
				"Policy iteration stops when the policy no longer changes, and it usually needs only a handful of iterations.",
				"Modified policy iteration replaces exact evaluation by a few simplified Bellman updates.",
				"A POMDP adds partial observability: the agent plans over belief states, probability distributions over the states.",
				"When P and R are unknown, reinforcement learning estimates utilities from experience instead; see lecture 6.",
			}},
		},
	}
}

func rlLecture() lecture {
	return lecture{
		title:    "Lecture 6: Reinforcement Learning",
		subtitle: "INF-2600 AI Methods and Applications - UiT The Arctic University of Norway",
		slides: []slide{
			{"Learning from rewards", []string{
				"In reinforcement learning the agent does not know the transition model or the reward function; it learns from the rewards it receives.",
				"Model-based agents learn a model and plan with it; model-free agents learn U(s) or Q(s, a) directly; policy search tunes a policy directly.",
				"A passive agent evaluates a fixed policy; an active agent also has to decide what to do.",
				"The agent observes state S(t), takes action A(t), and receives reward R(t+1) and the next state S(t+1); the world is still an MDP, but P and R are hidden.",
				"Learning from delayed rewards is hard: the agent must work out which of its earlier actions deserve the credit for a reward (the credit assignment problem).",
			}},
			{"Passive learning", []string{
				"Direct utility estimation averages the observed reward-to-go of each state. It converges, but slowly, since it ignores the Bellman constraints.",
				"Adaptive dynamic programming learns P and R from counts and solves the resulting MDP after each observation.",
				"Temporal-difference learning: U(s) <- U(s) + alpha [r + gamma U(s') - U(s)]. The bracket is the TD error.",
				"TD learning needs no model and updates online, one transition at a time, and it converges if the learning rate decays appropriately.",
			}},
			{"Q-learning and SARSA", []string{
				"Q-learning: Q(s, a) <- Q(s, a) + alpha [r + gamma max over a' of Q(s', a') - Q(s, a)]. It is off-policy.",
				"SARSA uses the action a' actually taken next: Q(s, a) <- Q(s, a) + alpha [r + gamma Q(s', a') - Q(s, a)]. It is on-policy.",
				"On the cliff-walking task Q-learning learns the risky optimal path along the edge, while SARSA learns a safer path that earns more reward during exploration.",
				"Both converge to the optimal Q-function in the tabular case when exploration is greedy in the limit of infinite exploration (GLIE).",
				"Q-learning needs no model even to choose actions: comparing Q(s, a) across actions is enough.",
			}},
			{"Exploration", []string{
				"Epsilon-greedy picks a random action with probability epsilon and the greedy action otherwise; decaying epsilon gives GLIE.",
				"Boltzmann exploration samples actions with probability proportional to exp(Q(s, a) / tau).",
				"Optimistic initial values and exploration functions make rarely tried actions look attractive.",
				"Upper confidence bounds add a bonus c sqrt(ln N(s) / N(s, a)) that shrinks as an action is tried more often.",
			}},
			{"Function approximation and policy search", []string{
				"Large state spaces need a parameterised Q-function, such as a linear combination of features or a deep neural network.",
				"The TD update becomes a gradient step on the parameters; generalisation to unseen states is the main benefit.",
				"Off-policy learning, bootstrapping and function approximation together (the deadly triad) can diverge; DQN uses experience replay and a target network.",
				"REINFORCE follows the gradient of the expected return; a baseline reduces variance, and actor-critic methods learn it with TD.",
				"Applications: TD-Gammon, AlphaZero, robot control, and reinforcement learning from human feedback for language models.",
			}},
		},
	}
}
