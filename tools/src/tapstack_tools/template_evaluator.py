"""Conditions and intrinsic functions of one rendered template, with its parameter values
(the reachability proof's view of what a stack creates)."""

import ipaddress
import re
from typing import Any

from tapstack_tools.reachability_inputs import Facts, StackInput, Unknown


class Evaluator:
    """Conditions and intrinsic functions of one stack, with its parameter values."""

    def __init__(self, stack: StackInput, facts: Facts) -> None:
        self.stack = stack
        self.values = {
            "AWS::AccountId": facts.accounts[stack.environment],
            "AWS::Region": stack.region,
            "AWS::Partition": "aws",
        }
        for name, spec in stack.document.get("Parameters", {}).items():
            value = stack.parameters.get(name, spec.get("Default", Unknown(f"parameter {name}")))
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",") if value else []
            self.values[name] = value
        self.conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        """The named condition's truth value."""
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.stack.document["Conditions"][name]))
        return self.conditions[name]

    def value(self, node: Any) -> Any:
        """Evaluate `node`; references to resources become Unknown."""
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return {key: self.value(item) for key, item in node.items()}
        ((function, argument),) = node.items()
        if function == "Ref":
            return self.values.get(argument, self._ref_resource(argument))
        if function == "Fn::GetAtt":
            return self._get_att(argument)
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::If":
            name, when_true, when_false = argument
            return self.value(when_true if self.condition(name) else when_false)
        if function == "Fn::Equals":
            left, right = self.value(argument)
            return left == right and not isinstance(left, Unknown)
        if function == "Fn::Not":
            return not self.value(argument[0])
        if function == "Fn::And":
            return all(self.value(argument))
        if function == "Fn::Or":
            return any(self.value(argument))
        if function == "Fn::Select":
            index, items = self.value(argument)
            return items[int(index)] if isinstance(items, list) else Unknown(str(items))
        if function == "Fn::Cidr":
            block, count, bits = self.value(argument)
            if isinstance(block, Unknown):
                return block
            network = ipaddress.IPv4Network(block)
            subnets = network.subnets(new_prefix=32 - int(bits))
            return [str(next(subnets)) for _ in range(int(count))]
        if function == "Fn::Join":
            separator, items = self.value(argument)
            if any(isinstance(item, Unknown) for item in items):
                return Unknown(f"Join {items}")
            return separator.join(str(item) for item in items)
        if function == "Fn::Split":
            separator, text = self.value(argument)
            return text if isinstance(text, Unknown) else text.split(separator)
        if function == "Fn::Sub":
            return self._sub(argument)
        return {function: self.value(argument)}

    def _ref_resource(self, name: str) -> Any:
        resource = self.stack.document["Resources"].get(name, {})
        policy_name = resource.get("Properties", {}).get("ManagedPolicyName")
        if resource.get("Type") == "AWS::IAM::ManagedPolicy" and policy_name is not None:
            # A managed policy of this stack: its ARN, from its name, in this account.
            named = self.value(policy_name)
            if isinstance(named, str):
                return f"arn:aws:iam::{self.values['AWS::AccountId']}:policy/{named}"
        return Unknown(f"Ref {name}")

    def _get_att(self, argument: Any) -> Any:
        name, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
        resource = self.stack.document["Resources"].get(name, {})
        if resource.get("Type") == "AWS::IAM::Role" and attribute == "Arn":
            # A role of this stack: its name is not known, its account is.
            return f"arn:aws:iam::{self.values['AWS::AccountId']}:role/{name}"
        return Unknown(f"GetAtt {name}.{attribute}")

    def _sub(self, argument: Any) -> Any:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {name: self.value(value) for name, value in variables.items()}
        unknown = []

        def replace(match: re.Match) -> str:
            name = match.group(1)
            found = local.get(name, self.values.get(name, Unknown(name)))
            if isinstance(found, Unknown):
                unknown.append(name)
                return "?"
            return str(found)

        result = re.sub(r"\$\{([^}!]+)\}", replace, text)
        return Unknown(f"Sub {text} ({', '.join(unknown)})") if unknown else result

    def resources(self) -> dict[str, dict]:
        """The resources this stack creates, with evaluated properties."""
        created = {}
        for logical_id, resource in self.stack.document["Resources"].items():
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            created[logical_id] = {
                "Type": resource["Type"],
                "Properties": self.value(resource.get("Properties", {})),
            }
        return created
